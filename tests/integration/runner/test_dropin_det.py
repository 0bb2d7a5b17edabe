"""Stock mmdet configs (SSD, RetinaNet, Faster R-CNN) with the RUAS scene module as their data
preprocessor train one step."""
from __future__ import annotations

import pytest
import torch
from mmdet.registry import MODELS as MMDET_MODELS
from mmengine.config import Config

import mmruas  # noqa: F401  (registers RUASDetDataPreprocessor, SceneTaskModel)
from mmruas.det import RUASDetDataPreprocessor
from mmruas.scene import RUAS
from tests.helpers.det import MIM, child_config, det_batch, scene_of

torch.set_num_threads(1)
pytestmark = pytest.mark.usefixtures('mmdet_scope')   # as a Runner of an mmdet config sets it


@pytest.mark.parametrize('base, sizes, scene', [
    ('ssd/ssd300_coco.py', [(260, 260)], dict(type='RUAS', variant='RUAS_S')),
    ('retinanet/retinanet_r50_fpn_1x_coco.py', [(64, 64), (64, 64)],
     dict(type='RUAS', variant='RUAS', iem=dict(genotype=None))),  # searchable cells
    ('faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py', [(64, 64), (48, 80)],
     dict(type='RUAS', variant='RUAS_A')),
])
def test_stock_config_trains_one_step(tmp_path, base, sizes, scene) -> None:
    parent = Config.fromfile(str(MIM / base))
    cfg = child_config(tmp_path, base, scene)
    model = MMDET_MODELS.build(cfg.model)
    model.init_weights()  # nothing to download: backbone.init_cfg=None
    pp = model.data_preprocessor
    assert isinstance(pp, RUASDetDataPreprocessor) and isinstance(pp.scene, RUAS)
    assert pp.scene.variant == scene['variant']
    parent_pp = parent.model.data_preprocessor
    assert torch.equal(pp.mean.flatten(), torch.tensor(parent_pp.mean))
    assert torch.equal(pp.std.flatten(), torch.tensor(parent_pp.std))
    assert pp.pad_size_divisor == parent_pp.pad_size_divisor

    model.train()
    data, outs = pp.run(det_batch(sizes), training=True)
    assert 'scene_outputs' not in pp(det_batch(sizes), training=True)  # stock batch keys
    d = pp.pad_size_divisor
    h, w = data['inputs'].shape[-2:]
    assert h % d == 0 and w % d == 0
    assert all(s.batch_input_shape == (h, w) for s in data['data_samples'])
    assert len(outs) == len(set(sizes))
    loss, _ = model.parse_losses(model(**data, mode='loss'))
    assert torch.isfinite(loss)
    loss.backward()
    grads = {n: p.grad for n, p in scene_of(model).named_parameters()}
    iem = [g for n, g in grads.items() if n.startswith('iem.') and 'alpha' not in n]
    assert iem and all(g is not None for g in iem)
    assert any(g.abs().sum() > 0 for g in iem)
    if scene['variant'] == 'RUAS':  # NRM always applied; searchable α reached as well
        assert any(g is not None and g.abs().sum() > 0
                   for n, g in grads.items() if n.startswith('nrm.'))
        alphas = [g for n, g in grads.items() if 'alpha' in n]
        assert alphas and all(g is not None and g.abs().sum() > 0 for g in alphas)


