"""mmdet's DetInferencer and mmseg's MMSegInferencer run mmruas configs (RUAS scene in the
data preprocessor) unchanged: the scene runs once per image, and the result equals the
model's own test_step on the config's test pipeline."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import MODELS, DefaultScope

from tests.helpers import REPO


def _image(path: Path, h: int, w: int) -> str:
    cv2.imwrite(str(path), np.random.default_rng(0).integers(0, 60, (h, w, 3), dtype=np.uint8))
    return str(path)


def _weights(cfg: Config, path: Path, classes: tuple) -> str:
    """The config's model (seeded) saved with the class names, as tools/train.py saves them."""
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
    torch.save({'state_dict': model.state_dict(), 'meta': {'dataset_meta': {'classes': classes}}},
               path)
    return str(path)


def _count_scene_calls(model) -> list:
    calls: list = []
    model.data_preprocessor.scene.register_forward_hook(
        lambda m, args, out: calls.append(tuple(args[0].shape)))
    return calls


def _direct(inferencer, cfg: Config, img: str):
    """The model's test_step on the config's test pipeline without the annotations (as the
    inferencers drop them), no inferencer code."""
    pipeline = Compose([t for t in cfg.test_dataloader.dataset.pipeline
                        if t.type != 'LoadAnnotations'])
    with DefaultScope.overwrite_default_scope(cfg.default_scope), torch.no_grad():
        return inferencer.model.test_step(pseudo_collate([pipeline(dict(img_path=img,
                                                                         img_id=0))]))[0]


def test_det_inferencer_with_the_ruas_preprocessor(tmp_path, one_thread):
    from mmdet.apis import DetInferencer

    import mmruas  # noqa: F401
    from mmruas.det.datasets import ExDarkDataset
    cfg = Config.fromfile(str(REPO / 'configs' / 'ruas_ssd_exdark.py'))
    cfg.model.data_preprocessor.scene_checkpoint = None     # the weights file holds the scene
    cfg.model.backbone.init_cfg = None
    classes = ExDarkDataset.METAINFO['classes']
    weights = _weights(cfg, tmp_path / 'w.pth', classes)
    img = _image(tmp_path / 'a.jpg', 120, 160)
    inferencer = DetInferencer(model=cfg, weights=weights, device='cpu', show_progress=False)
    calls = _count_scene_calls(inferencer.model)
    res = inferencer(img, return_datasamples=True)['predictions'][0]
    assert calls == [(1, 3, 300, 300)]                          # the scene ran, once
    assert inferencer.model.dataset_meta['classes'] == classes
    direct = _direct(inferencer, cfg, img)
    assert len(res.pred_instances) == len(direct.pred_instances) > 0
    torch.testing.assert_close(res.pred_instances.bboxes, direct.pred_instances.bboxes)
    torch.testing.assert_close(res.pred_instances.scores, direct.pred_instances.scores)
    assert res.pred_instances.bboxes[:, 2].max() <= 160 + 1e-3   # boxes in input pixels


def test_mmseg_inferencer_with_the_ruas_preprocessor(tmp_path, one_thread):
    from mmseg.apis import MMSegInferencer

    import mmruas  # noqa: F401
    from tests.helpers.seg import tiny
    cfg = Config.fromfile(str(REPO / 'configs' / 'ruas_deeplabv3plus_acdc.py'))
    tiny(cfg.model)
    cfg.model.backbone.init_cfg = None
    cfg.model.data_preprocessor.pop('size', None)
    cfg.test_dataloader.dataset.pipeline = [
        t for t in cfg.test_dataloader.dataset.pipeline if t.type != 'Resize']
    classes = tuple(f'c{i}' for i in range(cfg.model.decode_head.num_classes))
    weights = _weights(cfg, tmp_path / 'w.pth', classes)
    img = _image(tmp_path / 'a.png', 48, 64)
    inferencer = MMSegInferencer(model=cfg, weights=weights, device='cpu')
    calls = _count_scene_calls(inferencer.model)
    res = inferencer(img, return_datasamples=True)
    assert calls == [(1, 3, 48, 64)]
    direct = _direct(inferencer, cfg, img)
    assert res.pred_sem_seg.data.shape == (1, 48, 64)
    assert torch.equal(res.pred_sem_seg.data, direct.pred_sem_seg.data)
