"""mmruas.apis: init_enhancer + enhance on a fixture, tiled and whole, every input kind."""
from __future__ import annotations

import os.path as osp

import cv2
import numpy as np
import pytest
import torch

from mmruas.apis import enhance, init_enhancer, read_image
from mmruas.scene.released import convert_released_state_dict
from mmruas.visualization import to_image
from tests.helpers import REPO

CONFIG = REPO / 'configs' / 'ruas_enhance' / 'ruas_a_released.py'


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory) -> str:
    """RUAS_A weights in mmruas's checkpoint layout (seeded random)."""
    model = init_enhancer(CONFIG)
    torch.manual_seed(0)
    for p in model.parameters():
        p.data.normal_(0, 0.1)
    path = tmp_path_factory.mktemp('ckpt') / 'ruas_a.pth'
    torch.save({'state_dict': model.state_dict()}, path)
    return str(path)


@pytest.fixture(scope='module')
def dark_png(tmp_path_factory) -> str:
    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp('img') / 'dark.png'
    cv2.imwrite(str(path), rng.integers(0, 60, (45, 67, 3), dtype=np.uint8))
    return str(path)


def test_enhance_path_array_tensor_and_tiles_agree(checkpoint, dark_png, one_thread):
    model = init_enhancer(CONFIG, checkpoint)
    assert not model.training
    bgr = cv2.imread(dark_png)
    x = torch.from_numpy(bgr[:, :, ::-1].transpose(2, 0, 1).copy()).float() / 255
    with torch.no_grad():
        ref = model.scene(x[None])                   # independent: the scene module itself
    expected = to_image(ref.output[0])
    out = enhance(model, dark_png)
    assert out.dtype == np.uint8 and out.shape == bgr.shape
    assert np.array_equal(out, expected)
    assert np.array_equal(enhance(model, bgr), expected)
    for tile in (16, 40, 512):      # float outputs equal to 1e-5 (below): 8 bits within 1
        tiled = enhance(model, dark_png, tile=tile).astype(int)
        assert np.abs(tiled - expected).max() <= 1, tile
    y, t = enhance(model, x, tile=16, return_illumination=True)
    assert (y - ref.output[0]).abs().max() <= 1e-5 and (t - ref.ts[-1][0]).abs().max() <= 1e-5
    assert enhance(model, x[None]).shape == (1, 3, 45, 67)


def test_sixteen_bit_gray_and_bad_inputs(checkpoint, dark_png, tmp_path):
    model = init_enhancer(CONFIG, checkpoint)
    gray16 = (np.arange(20 * 30, dtype=np.uint16).reshape(20, 30) * 20)
    cv2.imwrite(str(tmp_path / 'g.png'), gray16)
    assert read_image(tmp_path / 'g.png').shape == (20, 30, 3)
    out = enhance(model, tmp_path / 'g.png')
    assert out.dtype == np.uint16 and out.shape == (20, 30, 3)
    with pytest.raises(ValueError, match='cannot read image'):
        enhance(model, tmp_path / 'missing.png')
    with pytest.raises(ValueError, match='BGR uint8/uint16'):
        enhance(model, np.zeros((4, 4), np.float32))
    with torch.no_grad():
        next(model.scene.iem.parameters()).fill_(float('nan'))
    with pytest.raises(ValueError, match='non-finite'):
        enhance(model, dark_png)


def test_strict_loading(checkpoint, tmp_path):
    sd = torch.load(checkpoint)['state_dict']
    sd.pop(next(iter(sd)))
    torch.save({'state_dict': sd}, tmp_path / 'partial.pth')
    with pytest.raises(Exception, match='missing'):
        init_enhancer(CONFIG, str(tmp_path / 'partial.pth'))


def test_released_weights_through_the_api(reference_dir, tmp_path, one_thread):
    """The released RUAS_A on LOL images (gate shut, gate open): the released code's output,
    whole and tiled (≤ 1e-5), and the 8-bit result is that output rounded."""
    sd = torch.load(osp.join(reference_dir, 'weights', 'lol.pt'), map_location='cpu')
    torch.save({'state_dict': {f'scene.{k}': v for k, v in
                               convert_released_state_dict(sd).items()}}, tmp_path / 'a.pth')
    model = init_enhancer(CONFIG, str(tmp_path / 'a.pth'))
    ref = np.load(osp.join(reference_dir, 'lol', 'released_code_output.npz'))
    for name in ('00001', '00271'):                  # gate shut, gate open
        path = osp.join(reference_dir, 'lol', 'low', f'{name}.png')
        bgr = read_image(path)
        x = torch.from_numpy(bgr[:, :, ::-1].transpose(2, 0, 1).copy()).float() / 255
        whole, tiled = enhance(model, x), enhance(model, x, tile=128)
        assert (tiled - whole).abs().max() <= 1e-5
        assert np.abs(whole.numpy() - ref[name]).max() <= 1e-5
        assert np.array_equal(enhance(model, path), to_image(whole))
