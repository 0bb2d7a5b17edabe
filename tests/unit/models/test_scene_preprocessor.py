"""RUASDetDataPreprocessor and SceneTaskModel: the scene module inside stock mmdet detectors.

(a) drop-in child configs of installed mmdet configs train one step and reach the scene,
(b) the preprocessor equals DetDataPreprocessor on the scene's output, padding included,
(c) freezing and scene checkpoints, (d) SceneTaskModel's ``loss_scene = λ·ℓs`` (eq. 5).
"""
from __future__ import annotations

import copy
import runpy
import sys
import uuid
from pathlib import Path

import pytest
import torch
from mmdet.models.data_preprocessors import DetDataPreprocessor
from mmdet.registry import MODELS as MMDET_MODELS
from mmdet.structures import DetDataSample
from mmengine.config import Config
from torch import nn

import mmruas  # noqa: F401  (registers RUASDetDataPreprocessor, SceneTaskModel)
from mmruas.det import RUASDetDataPreprocessor
from mmruas.losses import SceneLoss
from mmruas.models import SceneTaskModel
from mmruas.models.scene_task_model import scene_loss_of
from mmruas.scene import SceneOutput
from tests.helpers import REPO
from tests.helpers.det import MIM, child_config, det_batch, scene_of
from tests.helpers.models import enhancer, released_layout

torch.set_num_threads(1)
pytestmark = pytest.mark.usefixtures('mmdet_scope')   # as a Runner of an mmdet config sets it

CONVERT = REPO / 'tools' / 'convert_released_ruas.py'
LOL_PT = REPO.parent / 'shared' / 'reference' / 'ruas-official' / 'weights' / 'lol.pt'
NORM = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], bgr_to_rgb=True)


class IdentityScene(nn.Module):
    """A scene module whose output is its input."""

    def forward(self, y: torch.Tensor) -> SceneOutput:
        return SceneOutput(output=y, us=[y], ts=[torch.ones_like(y)], t_hats=[y])


# ---------------------------------------------------------------- (a) drop-in configs


def tiny_coco(root: Path, sizes: list[tuple[int, int]]) -> None:
    """A two-image COCO-format data set of dark images under ``root``."""
    import json

    import cv2
    import numpy as np

    (root / 'img').mkdir(parents=True)
    images, annotations = [], []
    rng = np.random.default_rng(0)
    for i, (h, w) in enumerate(sizes):
        cv2.imwrite(str(root / 'img' / f'{i}.png'), rng.integers(0, 50, (h, w, 3), np.uint8))
        images.append(dict(id=i, file_name=f'{i}.png', height=h, width=w))
        annotations.append(dict(id=i, image_id=i, category_id=1, bbox=[4, 5, w / 2, h / 2],
                                area=w * h / 4, iscrowd=0))
    coco = dict(images=images, annotations=annotations,
                categories=[dict(id=1, name='person')])
    (root / 'ann.json').write_text(json.dumps(coco))


def test_runner_trains_and_stage1_checkpoint_reloads(tmp_path) -> None:
    """mmengine's Runner on the child config; its checkpoint is a stage-1 scene checkpoint."""
    from mmengine.runner import Runner

    tiny_coco(tmp_path / 'data', [(64, 64), (48, 80)])
    cfg = child_config(tmp_path, 'retinanet/retinanet_r50_fpn_1x_coco.py',
                       dict(type='RUAS', variant='RUAS_S'))
    ds = cfg.train_dataloader.dataset
    ds.update(data_root=str(tmp_path / 'data'), ann_file='ann.json',
              data_prefix=dict(img='img/'), metainfo=dict(classes=('person',)))
    ds.pipeline[2].scale = (64, 64)  # Resize: keep the step small
    cfg.train_dataloader.update(num_workers=0, persistent_workers=False)
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=1)
    cfg.update(work_dir=str(tmp_path / 'work'), val_cfg=None, val_dataloader=None,
               val_evaluator=None, test_cfg=None, test_dataloader=None, test_evaluator=None,
               param_scheduler=[], log_processor=dict(by_epoch=False))
    cfg.experiment_name = f'scene_preprocessor_{uuid.uuid4().hex[:8]}'  # fresh logger/hub
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1, by_epoch=False)
    runner = Runner.from_cfg(cfg)
    scene = runner.model.data_preprocessor.scene
    before = {k: v.clone() for k, v in scene.state_dict().items()}
    runner.train()
    after = scene.state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before)  # the scene was trained
    pp = RUASDetDataPreprocessor(scene=dict(type='RUAS', variant='RUAS_S'),
                                 scene_checkpoint=str(tmp_path / 'work' / 'iter_1.pth'))
    assert_same_scene(pp, scene)


# ---------------------------------------------------------------- (b) numerics
def test_identity_scene_equals_det_data_preprocessor() -> None:
    kw = dict(NORM, pad_size_divisor=32, pad_value=7)
    ours = RUASDetDataPreprocessor(scene=IdentityScene(), **kw)
    stock = DetDataPreprocessor(**kw)
    for training in (False, True):
        a = ours(det_batch([(40, 50), (33, 70), (40, 50)]), training)
        b = stock(det_batch([(40, 50), (33, 70), (40, 50)]), training)
        assert torch.equal(a['inputs'], b['inputs']) and a['inputs'].shape == (3, 3, 64, 96)
        for sa, sb in zip(a['data_samples'], b['data_samples']):
            assert sa.metainfo == sb.metainfo
        assert (a['inputs'][1, :, 33:, :] == 7).all() and (a['inputs'][1, :, :, 70:] == 7).all()
    # default_collate: one stacked uint8 tensor
    stacked = torch.stack(det_batch([(30, 30)] * 2)['inputs'])
    assert torch.equal(ours(dict(inputs=stacked))['inputs'], stock(dict(inputs=stacked))['inputs'])


def test_ruas_output_through_det_data_preprocessor() -> None:
    torch.manual_seed(0)
    kw = dict(NORM, pad_size_divisor=32, pad_value=0, pad_mask=True,
              batch_augments=[dict(type='BatchFixedSizePad', size=(96, 128), img_pad_value=0)])
    ours = RUASDetDataPreprocessor(scene=dict(type='RUAS', variant='RUAS_A'), **kw).eval()
    stock = DetDataPreprocessor(**kw)
    sizes = [(40, 50), (33, 70), (40, 50)]
    batch = det_batch(sizes, masks=True)
    with torch.no_grad():
        a = ours(batch, training=True)
        # by hand: each image alone through the scene (RGB, [0, 1]), back to BGR x 255
        enhanced = [(ours.scene(img.flip(0).float()[None] / 255).output[0] * 255).flip(0)
                    for img in batch['inputs']]
    b = stock(dict(inputs=enhanced, data_samples=det_batch(sizes, masks=True)['data_samples']),
              training=True)
    assert a['inputs'].shape == b['inputs'].shape == (3, 3, 96, 128)
    torch.testing.assert_close(a['inputs'], b['inputs'], rtol=0, atol=1e-4)
    assert (a['inputs'][1, :, 33:, :] == 0).all() and (a['inputs'][0, :, :, 50:] == 0).all()
    for sa, sb in zip(a['data_samples'], b['data_samples']):
        assert sa.metainfo == sb.metainfo
        assert sa.gt_instances.masks.masks.shape == (2, 64, 96)  # padded to the batch
        assert (sa.gt_instances.masks.masks == sb.gt_instances.masks.masks).all()
    with torch.no_grad():
        _, outs = ours.run(det_batch(sizes, masks=True), True)  # two sizes: two groups
    assert [o.indices for o in outs] == [[0, 2], [1]]
    assert torch.equal(outs[0].input[1], batch['inputs'][2].flip(0).float() / 255)


def test_metainfo_white_level_and_rgb_input() -> None:
    pp = RUASDetDataPreprocessor(scene=IdentityScene(), max_value='metainfo', **NORM)
    img = torch.randint(0, 4096, (3, 8, 8), dtype=torch.int32).to(torch.uint16)
    sample = DetDataSample(metainfo=dict(img_shape=(8, 8), max_value=4095))
    _, outs = pp.run(dict(inputs=[img], data_samples=[sample]))
    expected = (img.flip(0).float() / 4095).clamp(0, 1)
    assert torch.equal(outs[0].input[0], expected)
    rgb = RUASDetDataPreprocessor(scene=IdentityScene(), mean=NORM['mean'], std=NORM['std'],
                                  rgb_to_bgr=True)
    img8 = torch.randint(0, 256, (3, 8, 8), dtype=torch.uint8)
    _, outs = rgb.run(dict(inputs=[img8]))
    assert torch.equal(outs[0].input[0], img8.float() / 255)
    with pytest.raises(ValueError, match='max_value'):
        RUASDetDataPreprocessor(scene=IdentityScene(), max_value=0)


# ---------------------------------------------------------------- (c) freeze, checkpoints
def test_freeze_scene() -> None:
    torch.manual_seed(0)
    frozen = RUASDetDataPreprocessor(scene=dict(type='RUAS', variant='RUAS'),
                                     freeze_scene=True, **NORM)
    live = RUASDetDataPreprocessor(scene=dict(type='RUAS', variant='RUAS'), **NORM)
    live.scene.load_state_dict(frozen.scene.state_dict())
    frozen.train()
    assert not frozen.scene.training and frozen.training
    assert not any(p.requires_grad for p in frozen.scene.parameters())
    a = frozen(det_batch([(24, 24)]), training=True)['inputs']
    b = live(det_batch([(24, 24)]), training=True)['inputs']
    assert not a.requires_grad and b.requires_grad
    torch.testing.assert_close(a, b)
    copied = copy.deepcopy(live)  # e.g. an EMA hook mid-training: no graph is kept on it
    assert all(not torch.is_tensor(v) for v in vars(copied).values())


def convert(src: Path, out: Path, monkeypatch) -> None:
    """Run tools/convert_released_ruas.py in this process."""
    monkeypatch.setattr(sys, 'argv', [str(CONVERT), str(src), str(out)])
    with pytest.raises(SystemExit) as exc:
        runpy.run_path(str(CONVERT), run_name='__main__')
    assert exc.value.code == 0


def assert_same_scene(pp: RUASDetDataPreprocessor, reference: nn.Module) -> None:
    ref = reference.state_dict()
    got = pp.scene.state_dict()
    assert got.keys() == ref.keys() and all(torch.equal(got[k], ref[k]) for k in ref)


def test_scene_checkpoint_formats(tmp_path, monkeypatch) -> None:
    torch.manual_seed(1)
    scene_cfg = dict(type='RUAS', variant='RUAS_A')
    enh = enhancer('RUAS_A')
    torch.save({'state_dict': enh.state_dict(), 'meta': {}}, tmp_path / 'enh.pth')
    pp = RUASDetDataPreprocessor(scene=scene_cfg, scene_checkpoint=str(tmp_path / 'enh.pth'))
    assert_same_scene(pp, enh.scene)

    torch.save(released_layout(enh.scene), tmp_path / 'released.pt')
    convert(tmp_path / 'released.pt', tmp_path / 'converted.pth', monkeypatch)
    for name in ('converted.pth', 'released.pt'):  # tool output, or the released file itself
        pp = RUASDetDataPreprocessor(scene=scene_cfg, scene_checkpoint=str(tmp_path / name))
        assert_same_scene(pp, enh.scene)

    # hierarchical stage 1: a detector checkpoint (DDP-wrapped keys as well)
    detector = {f'data_preprocessor.scene.{k}': v for k, v in enh.scene.state_dict().items()}
    detector['backbone.conv1.weight'] = torch.zeros(2, 3, 1, 1)
    torch.save({'state_dict': {f'module.{k}': v for k, v in detector.items()}},
               tmp_path / 'det.pth')
    pp = RUASDetDataPreprocessor(scene=scene_cfg, scene_checkpoint=str(tmp_path / 'det.pth'))
    assert_same_scene(pp, enh.scene)


@pytest.mark.skipif(not LOL_PT.is_file(), reason=f'released weights not found at {LOL_PT}')
def test_scene_checkpoint_released_lol(tmp_path, monkeypatch) -> None:
    convert(LOL_PT, tmp_path / 'lol.pth', monkeypatch)
    pp = RUASDetDataPreprocessor(scene=dict(type='RUAS', variant='RUAS_A'),
                                 scene_checkpoint=str(tmp_path / 'lol.pth'), freeze_scene=True)
    direct = RUASDetDataPreprocessor(scene=dict(type='RUAS', variant='RUAS_A'),
                                     scene_checkpoint=str(LOL_PT))
    assert_same_scene(pp, direct.scene)
    assert sum(p.numel() for p in pp.scene.parameters()) == 36653


def test_scene_checkpoint_errors(tmp_path) -> None:
    scene_cfg = dict(type='RUAS', variant='RUAS_S')
    missing = tmp_path / 'nope.pth'
    with pytest.raises(FileNotFoundError, match=f'scene_checkpoint {missing}: no such file'):
        RUASDetDataPreprocessor(scene=scene_cfg, scene_checkpoint=str(missing))
    with pytest.raises(FileNotFoundError, match='never downloads'):
        RUASDetDataPreprocessor(scene=scene_cfg, scene_checkpoint='https://x.org/lol.pth')
    torch.save({'state_dict': enhancer('RUAS_A').state_dict()}, tmp_path / 'a.pth')
    with pytest.raises(ValueError) as exc:
        RUASDetDataPreprocessor(scene=scene_cfg, scene_checkpoint=str(tmp_path / 'a.pth'))
    msg = str(exc.value)
    assert str(tmp_path / 'a.pth') in msg and 'unexpected keys' in msg and '\n' not in msg
    (tmp_path / 'junk.pth').write_bytes(b'not a checkpoint')
    with pytest.raises(ValueError, match='junk.pth: not a readable checkpoint'):
        RUASDetDataPreprocessor(scene=scene_cfg, scene_checkpoint=str(tmp_path / 'junk.pth'))


# ---------------------------------------------------------------- (d) SceneTaskModel
def test_scene_task_model_loss(tmp_path) -> None:
    torch.manual_seed(0)
    cfg = child_config(tmp_path, 'retinanet/retinanet_r50_fpn_1x_coco.py',
                       dict(type='RUAS', variant='RUAS_S'))
    model = MMDET_MODELS.build(dict(type='SceneTaskModel', task=cfg.model, lam=0.5,
                                    scene_loss=dict(type='SceneLoss', eta=0.2)))
    assert isinstance(model, SceneTaskModel)
    assert model.data_preprocessor is model.task.data_preprocessor
    batch = det_batch([(64, 64), (64, 64)])
    assert 'scene_outputs' not in model.data_preprocessor(batch, training=True)  # stock keys
    data = model.preprocess(batch, training=True)
    assert len(data['scene_outputs']) == 1  # asked for explicitly (λ > 0)
    losses = model(**data, mode='loss')
    assert {'loss_cls', 'loss_bbox', 'loss_scene'} <= set(losses)
    y = torch.stack([img.flip(0).float() / 255 for img in batch['inputs']])
    with torch.no_grad():
        by_hand = 0.5 * SceneLoss(eta=0.2)(scene_of(model)(y).ts[-1], y)
    torch.testing.assert_close(losses['loss_scene'].detach(), by_hand)
    losses['loss_scene'].backward()
    assert all(p.grad is not None for p in scene_of(model).parameters())
    assert any(p.grad.abs().sum() > 0 for p in scene_of(model).parameters())
    assert all(p.grad is None for p in model.task.backbone.parameters())

    model.eval()
    with torch.no_grad():
        preds = model.test_step(det_batch([(64, 64)]))
    assert isinstance(preds[0], DetDataSample) and 'bboxes' in preds[0].pred_instances

    # the Runner's path (BaseModel.train_step: preprocessor, then forward(**data))
    from mmengine.optim import OptimWrapper
    sgd = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.0))
    log_vars = model.train_step(det_batch([(64, 64), (64, 64)]), sgd)
    assert float(log_vars['loss_scene']) == pytest.approx(float(losses['loss_scene']), rel=1e-5)
    with pytest.raises(RuntimeError, match='handed forward hold 0 images'):
        model.loss(data['inputs'], data['data_samples'])  # nothing read back from state
    zero = SceneTaskModel(task=cfg.model, lam=0.0)
    assert 'loss_scene' not in zero(**zero.data_preprocessor(batch, True), mode='loss')
    stock = Config.fromfile(str(MIM / 'retinanet/retinanet_r50_fpn_1x_coco.py')).model
    stock.backbone.init_cfg = None
    with pytest.raises(ValueError, match='lam > 0 needs'):
        SceneTaskModel(task=stock, lam=1.0)


def test_scene_loss_of_weights_groups_by_image_count() -> None:
    loss = SceneLoss(eta=0.1)
    g = torch.Generator().manual_seed(0)
    outs = []
    for n, s in ((1, 16), (2, 12)):
        y, t = torch.rand(n, 3, s, s, generator=g), torch.rand(n, 3, s, s, generator=g)
        outs.append(SceneOutput(output=y, us=[y], ts=[t], t_hats=[y], input=y))
    expected = (loss(outs[0].ts[-1], outs[0].input)
                + 2 * loss(outs[1].ts[-1], outs[1].input)) / 3
    torch.testing.assert_close(scene_loss_of(outs, loss), expected)
    with pytest.raises(RuntimeError, match='no scene output'):
        scene_loss_of([], loss)
