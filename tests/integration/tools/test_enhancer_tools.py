"""The released RUAS weights through the tools (convert_released_ruas.py, then test.py): the
published PSNR."""
import json
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch

from mmruas.evaluation.metrics import psnr
from mmruas.registry import MODELS
from tests.helpers import REPO_DIR as REPO

ENV = {'PYTHONPATH': REPO, 'PATH': '/usr/bin:/bin'}



RELEASED_PSNR = {'00001': 15.743, '00091': 17.598, '00271': 14.489, '00451': 10.458,
                 '00481': 18.581}



def test_released_psnr_through_tools(reference_dir, tmp_path):
    """tools/convert_released_ruas.py + tools/test.py reproduce the released figures."""
    ckpt = str(tmp_path / 'lol.pth')
    subprocess.run([sys.executable, 'tools/convert_released_ruas.py',
                    osp.join(reference_dir, 'weights', 'lol.pt'), ckpt], cwd=REPO, env=ENV,
                   check=True, capture_output=True)
    lol = osp.join(reference_dir, 'lol')
    run = subprocess.run(
        [sys.executable, 'tools/test.py', 'configs/ruas_enhance/ruas_a_released.py', ckpt,
         '--work-dir', str(tmp_path / 'work'), '--cfg-options',
         f'test_dataloader.dataset.data_root={lol}', 'test_dataloader.dataset.split=None',
         'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False'],
        cwd=REPO, env=ENV, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.load(open(next((tmp_path / 'work').rglob('*.json'))))
    assert result['PSNR'] == pytest.approx(np.mean(list(RELEASED_PSNR.values())), abs=0.01)
    # per image, on the model's output quantised to 8 bits as the field reports
    from mmengine.runner import load_checkpoint
    model = MODELS.build(dict(type='RUASEnhancer', scene=dict(type='RUAS'))).eval()
    load_checkpoint(model, ckpt, strict=True)
    for name, expected in RELEASED_PSNR.items():
        low = cv2.imread(osp.join(lol, 'low', f'{name}.png'))[..., ::-1].copy()
        high = cv2.imread(osp.join(lol, 'high', f'{name}.png'))[..., ::-1].copy()
        x = torch.from_numpy(low.astype(np.float32) / 255).permute(2, 0, 1)[None]
        with torch.no_grad():
            y = model(x).clamp(0, 1)[0].permute(1, 2, 0).numpy()
        # the released code truncates when it saves 8-bit results (astype('uint8'))
        assert psnr(np.floor(y * 255).astype(np.uint8), high) == pytest.approx(expected, abs=0.01)


