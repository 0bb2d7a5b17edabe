"""Unprocessing (Brooks et al. 2019): distributions, per-step inverses, RGB → RAW → RGB."""
import numpy as np
import pytest

import mmruas  # noqa: F401
from mmruas.datasets.transforms import unprocess as up
from mmruas.registry import TRANSFORMS


def _quad_image(rng, h=8, w=12):
    """Moderately saturated colours, constant on each 2 x 2 quad (mosaic is then lossless)."""
    grey = rng.uniform(0.25, 0.75, size=(h // 2, w // 2, 1))
    img = grey + rng.uniform(-0.08, 0.08, size=(h // 2, w // 2, 3))
    return img.repeat(2, 0).repeat(2, 1)


def test_round_trip_noise_off():
    rng = np.random.default_rng(0)
    for trial in range(5):
        img = _quad_image(rng)
        raw, meta = up.unprocess(img, np.random.default_rng(trial), noise=False)
        assert raw.shape == (4, 6, 4)
        assert 0 < raw.min() and raw.max() < 1     # no clipping: the chain is invertible
        back = up.process(raw, meta)
        assert np.abs(back - img).max() < 1e-4


def test_round_trip_with_highlights():
    """Pixels above the 0.9 grey inflection go through the highlight-preserving branch."""
    img = np.full((4, 4, 3), 0.999)
    img[:2, :2] = [0.999, 0.997, 0.999]
    assert up.gamma_expansion(up.inverse_smoothstep(img)).mean(-1).min() > 0.95
    raw, meta = up.unprocess(img, np.random.default_rng(3), noise=False)
    assert np.abs(up.process(raw, meta) - img).max() < 1e-4


def test_each_step_inverse():
    rng = np.random.default_rng(1)
    x = rng.uniform(0.0, 1.0, size=(6, 6, 3))
    assert np.allclose(up.smoothstep(up.inverse_smoothstep(x)), x, atol=1e-12)
    assert np.allclose(up.gamma_compression(up.gamma_expansion(x)), x, atol=1e-12)
    ccm = up.random_ccm(rng)
    assert np.allclose(ccm.sum(1), 1.0)
    assert np.allclose(up.apply_ccm(up.apply_ccm(x, ccm), np.linalg.inv(ccm)), x, atol=1e-12)
    gains = (1.25, 2.1, 1.7)
    y = up.safe_invert_gains(x, *gains)
    # below the 0.9 inflection the gains are the plain inverse white balance
    low = x.mean(-1) < 0.9
    plain = x * np.array([1 / 2.1, 1.0, 1 / 1.7]) / 1.25
    assert np.allclose(y[low], plain[low])
    assert np.allclose(up.undo_safe_invert_gains(y, *gains), x, atol=1e-12)
    img = _quad_image(np.random.default_rng(5))
    assert np.allclose(up.demosaic_quads(up.mosaic(img)), img)
    m = up.mosaic(np.arange(4 * 4 * 3, dtype=float).reshape(4, 4, 3))
    assert m[0, 0].tolist() == [0.0, 4.0, 13.0, 17.0]      # R(0,0) Gr(0,1) Gb(1,0) B(1,1)


def test_distributions():
    rng = np.random.default_rng(2)
    gains = np.array([up.random_gains(rng) for _ in range(4000)])
    assert gains[:, 1].min() >= 1.9 and gains[:, 1].max() <= 2.4
    assert gains[:, 2].min() >= 1.5 and gains[:, 2].max() <= 1.9
    inv_rgb = 1.0 / gains[:, 0]
    assert abs(inv_rgb.mean() - 0.8) < 0.01 and abs(inv_rgb.std() - 0.1) < 0.01
    noise = np.log(np.array([up.random_noise_levels(rng) for _ in range(4000)]))
    assert noise[:, 0].min() >= np.log(1e-4) and noise[:, 0].max() <= np.log(0.012)
    resid = noise[:, 1] - (2.18 * noise[:, 0] + 1.20)
    assert abs(resid.mean()) < 0.02 and abs(resid.std() - 0.26) < 0.02
    raw = np.full((200, 200, 4), 0.5)
    noisy = up.add_noise(raw, 0.01, 0.0005, rng)
    assert abs(noisy.var() - (0.5 * 0.01 + 0.0005)) < 2e-4


def test_transform():
    t = TRANSFORMS.build(dict(type='Unprocess', add_noise=False, seed=0))
    rng = np.random.default_rng(0)
    rgb = _quad_image(rng, 8, 10)
    img = np.round(rgb[..., ::-1] * 255).astype(np.uint8)
    img = np.concatenate([img, img[:1]], 0)        # odd height: last row dropped
    out = t(dict(img=img, img_path='a.png', sample_idx=3))
    assert out['img'].shape == (4, 5, 4) and out['img'].dtype == np.float32
    assert out['img_shape'] == (8, 10)
    back = up.process(out['img'] / 255.0, out['unprocess_meta'])
    assert np.abs(back - img[:8, :, ::-1] / 255.0).max() < 1e-4
    again = t(dict(img=img, img_path='a.png', sample_idx=3))['img']
    assert np.array_equal(again, out['img'])        # seeded per sample
    with pytest.raises(ValueError, match='H x W x 3'):
        t(dict(img=np.zeros((4, 4)), img_path='b.png'))
