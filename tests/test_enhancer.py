import json
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch
from mmengine.structures import BaseDataElement

from mmruas.evaluation.metrics import psnr
from mmruas.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
ENV = {'PYTHONPATH': REPO, 'PATH': '/usr/bin:/bin'}
RELEASED_PSNR = {'00001': 15.743, '00091': 17.598, '00271': 14.489, '00451': 10.458,
                 '00481': 18.581}


def build(variant='RUAS_A'):
    torch.manual_seed(0)
    return MODELS.build(dict(type='RUASEnhancer', scene=dict(type='RUAS', variant=variant)))


@pytest.mark.parametrize('variant', ['RUAS_S', 'RUAS', 'RUAS_A'])
def test_loss_mode_is_unsupervised_and_reaches_every_module(variant):
    model = build(variant)
    data = {'inputs': [torch.randint(0, 60, (3, 24, 32), dtype=torch.uint8) for _ in range(2)],
            'data_samples': [BaseDataElement(metainfo=dict(max_value=255)) for _ in range(2)]}
    batch = model.data_preprocessor(data, training=True)
    losses = model(**batch, mode='loss')
    expected = {'RUAS_S': {'loss_iem'}, 'RUAS': {'loss_iem', 'loss_nrm'},
                'RUAS_A': {'loss_iem', 'loss_nrm', 'loss_estimator'}}[variant]
    assert set(losses) == expected
    sum(losses.values()).backward()
    for name, module in model.scene.named_children():
        grads = [p.grad for p in module.parameters()]
        assert all(g is not None for g in grads), name
        assert sum(float(g.abs().sum()) for g in grads) > 0, name


def test_predict_mode_crops_padding_and_fills_fields():
    model = build().eval()
    data = {'inputs': [torch.randint(0, 60, (3, 20, 30), dtype=torch.uint8),
                       torch.randint(0, 60, (3, 24, 32), dtype=torch.uint8)],
            'data_samples': [BaseDataElement(metainfo=dict(max_value=255, img_shape=(20, 30))),
                             BaseDataElement(metainfo=dict(max_value=255, img_shape=(24, 32)))]}
    with torch.no_grad():
        out = model.test_step(data)
    assert out[0].pred_img.shape == (3, 20, 30) and out[1].pred_img.shape == (3, 24, 32)
    assert out[0].pred_illumination.shape == (3, 20, 30)
    assert out[0].noise_gate.dtype == torch.bool
    # the first image alone gives the same result as inside the padded batch
    single = model.test_step({'inputs': data['inputs'][:1],
                              'data_samples': [BaseDataElement(
                                  metainfo=dict(max_value=255, img_shape=(20, 30)))]})
    # padding changes the border context of the convolutions only near the padded edge
    torch.testing.assert_close(single[0].pred_img[:, :12, :22], out[0].pred_img[:, :12, :22],
                               atol=1e-5, rtol=0)


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
