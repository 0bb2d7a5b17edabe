"""Stock mmseg configs with the RUAS scene module as their data preprocessor train one step."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

import mmruas  # noqa: F401
from tests.helpers.seg import (
    SIZE,
    runner_cfg,
)

torch.set_num_threads(1)


STOCK = {
    'deeplabv3plus': 'deeplabv3plus/deeplabv3plus_r50-d8_4xb2-40k_cityscapes-512x1024.py',
    'segformer': 'segformer/segformer_mit-b0_8xb2-160k_ade20k-512x512.py',
}


@pytest.mark.parametrize('family', sorted(STOCK))
def test_drop_in_stock_mmseg_config(family, acdc, tmp_path):
    """A stock mmseg config from the installed package plus a few lines (the preprocessor
    type and scene) trains one step; the scene module's weights move with the segmentor's."""
    import mmseg
    stock = Path(mmseg.__file__).parent / '.mim' / 'configs' / STOCK[family]
    child = tmp_path / 'child.py'
    child.write_text(
        f'_base_ = [{str(stock)!r}]\n'
        "custom_imports = dict(imports=['mmruas'], allow_failed_imports=False)\n"
        "model = dict(data_preprocessor=dict(type='RUASSegDataPreprocessor',\n"
        "                                    scene=dict(type='RUAS', variant='RUAS_S'),\n"
        f'                                    size={SIZE}))\n')
    cfg = Config.fromfile(str(child))
    # test plumbing: no downloads, 19 classes of the fixture, tiny data, one iteration
    cfg.model.pretrained = None
    if family == 'segformer':
        cfg.model.backbone.init_cfg = None
        cfg.model.decode_head.num_classes = 19
    cfg.optim_wrapper.optimizer.lr = 0.01
    cfg = runner_cfg(cfg, acdc, tmp_path / 'work', iters=1)
    cfg.train_dataloader.batch_size = 2
    runner = Runner.from_cfg(cfg)
    scene = runner.model.data_preprocessor.scene
    seen: dict[str, float] = {}
    for name, p in scene.named_parameters():
        p.register_hook(lambda g, name=name: seen.__setitem__(name, float(g.abs().sum())))
    before = [p.detach().clone() for p in scene.parameters()]
    runner.train()
    assert set(seen) == {n for n, _ in scene.named_parameters()}   # every scene tensor
    assert sum(v > 0 for v in seen.values()) >= len(seen) - 1, seen
    moved = [not torch.equal(p, q) for p, q in zip(scene.parameters(), before)]
    assert sum(moved) >= len(moved) - 1   # (a bias whose gradient is ~1e-12 may not move)
    assert type(runner.model.decode_head).__name__ == (
        'DepthwiseSeparableASPPHead' if family == 'deeplabv3plus' else 'SegformerHead')


