"""tools/test.py on a segmentation config prints the per-class IoU table."""
from __future__ import annotations

import torch
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm

import mmruas  # noqa: F401
from mmruas.utils.checkpoints import build_model
from tests.helpers import REPO
from tests.helpers.seg import (
    SIZE,
    tiny,
)

torch.set_num_threads(1)


MAIN = REPO / 'configs' / 'ruas_deeplabv3plus_acdc.py'


def test_test_tool_prints_the_miou_table(acdc, tmp_path):
    """``tools/test.py`` on the tiny ACDC tree logs the Table-11 layout and mIoU."""
    import os
    import subprocess
    import sys

    cfg = Config.fromfile(str(MAIN))
    tiny(cfg.model)
    torch.manual_seed(0)
    model = revert_sync_batchnorm(build_model(cfg))
    ckpt = tmp_path / 'tiny.pth'
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, ckpt)
    child = tmp_path / 'tiny_acdc.py'   # the main config at the tiny test scale
    child.write_text(
        f'_base_ = [{str(MAIN)!r}]\n'
        f'model = dict(pretrained=None, init_cfg=None,\n'
        f'    data_preprocessor=dict(scene_checkpoint=None, size={SIZE}),\n'
        f'    backbone=dict(depth=18, base_channels=8, stem_channels=8),\n'
        f'    decode_head=dict(in_channels=64, channels=16, c1_in_channels=8, c1_channels=8),\n'
        f'    auxiliary_head=dict(in_channels=32, channels=8))\n'
        "test_dataloader = dict(dataset=dict(pipeline=[dict(type='LoadImageFromFile'),\n"
        "    dict(type='Resize', scale=(64, 48), keep_ratio=True),\n"
        "    dict(type='LoadAnnotations'), dict(type='PackSegInputs')]))\n")
    options = [f'test_dataloader.dataset.data_root={acdc}', 'test_dataloader.num_workers=0',
               'test_dataloader.persistent_workers=False']
    env = dict(os.environ, OMP_NUM_THREADS='1')
    proc = subprocess.run([sys.executable, 'tools/test.py', str(child), str(ckpt), '--work-dir',
                           str(tmp_path / 'work'), '--cfg-options', *options], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    log = proc.stdout + proc.stderr
    assert 'per-class IoU (%)' in log
    header = next(line for line in log.splitlines() if '| road ' in line)
    cells = [c.strip() for c in header.strip().strip('|').split('|')]
    assert cells[1:3] == ['road', 'sidewalk'] and cells[-1] == 'mean' and len(cells) == 21
    assert 'mIoU:' in log


