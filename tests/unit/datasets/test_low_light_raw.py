"""Low-light RAW synthesis (Chen et al. 2023; ELD noise): round trip, exposure ratio, noise
statistics against their parameters, parameter sampling, the transform's seeding, and the
BGL configs that use it by default."""
from __future__ import annotations

import math
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config

import mmruas  # noqa: F401
from mmruas.datasets.transforms import low_light_raw as llr
from mmruas.datasets.transforms import unprocess as up
from mmruas.registry import TRANSFORMS
from tests.helpers import REPO_DIR as REPO


def _quad_image(rng, h=8, w=12):
    """Moderately saturated colours, constant on each 2 x 2 quad (mosaic is then lossless)."""
    grey = rng.uniform(0.3, 0.7, size=(h // 2, w // 2, 1))
    img = grey + rng.uniform(-0.05, 0.05, size=(h // 2, w // 2, 3))
    return img.repeat(2, 0).repeat(2, 1)


def _tukey_var(lam: float) -> float:
    """Variance of the standard Tukey-lambda distribution (closed form, λ > −1/2)."""
    if abs(lam) < 1e-8:
        return math.pi ** 2 / 3
    return 2 / lam ** 2 * (1 / (1 + 2 * lam) - math.gamma(lam + 1) ** 2 / math.gamma(2 * lam + 2))


@pytest.mark.parametrize('ccm', ['calibrated', 'random'])
def test_noise_free_round_trip(ccm):
    """noise='' and amplify: the clean RAW; Brooks' inverse chain gives the image back."""
    rng = np.random.default_rng(0)
    for trial in range(4):
        img = _quad_image(rng)
        raw, meta = llr.synthesize_low_light_raw(img, np.random.default_rng(trial), noise='',
                                                 ccm=ccm)
        assert raw.shape == (4, 6, 4) and 0 < raw.min() and raw.max() < 1
        assert 10 <= meta['ratio'] <= 100
        assert np.abs(up.process(raw, meta) - img).max() < 1e-4
    if ccm == 'calibrated':
        assert np.allclose(meta['cam2rgb'], llr.CANON_EOS5D4_CAM2RGB)
        assert np.allclose(llr.CANON_EOS5D4_CAM2RGB.sum(1), 1.0, atol=1e-6)   # white kept


def test_ratio_scales_the_mean():
    """amplify=False keeps the dark RAW: exactly clean / r (noise off); with the full noise
    the mean of a large flat patch is still clean / r (the noises have zero mean; the clip
    at 0 biases only signals near the noise floor)."""
    img = np.full((400, 400, 3), 0.6)
    clean, _ = llr.synthesize_low_light_raw(img, np.random.default_rng(1), noise='',
                                            ratio_range=(1, 1))
    for r in (10.0, 50.0):
        dark, meta = llr.synthesize_low_light_raw(img, np.random.default_rng(1), noise='',
                                                  ratio_range=(r, r), amplify=False)
        assert meta['ratio'] == r
        assert np.allclose(dark, clean / r, rtol=1e-12, atol=0)
        assert abs(dark.mean() / clean.mean() - 1 / r) < 1e-12
    # with the noise (r = 10: the signal, ~290 DN, lies far above the clip at 0)
    noisy, _ = llr.synthesize_low_light_raw(img, np.random.default_rng(1), noise='PGRU',
                                            ratio_range=(10, 10), amplify=False)
    assert abs(noisy.mean() / clean.mean() - 1 / 10) < 0.01 / 10


def test_shot_noise_variance_is_k_times_signal():
    rng = np.random.default_rng(2)
    for k, signal in ((2.5, 200.0), (0.5, 40.0)):
        y = np.full((400, 400, 4), signal)
        z = llr.add_physics_noise(y, dict(K=k), rng, noise='P')
        assert abs(z.mean() - signal) < 0.01 * signal
        assert abs(z.var() / (k * signal) - 1) < 0.02              # Var = K·y
        assert np.allclose(z / k, np.round(z / k))                  # whole photo-electrons


def test_read_row_and_quantisation_noise_match_their_parameters():
    rng = np.random.default_rng(3)
    zero = np.zeros((500, 400, 4))
    for lam, scale in ((0.14285714, 3.0), (0.02857143, 1.5), (0.0, 2.0)):
        z = llr.add_physics_noise(zero, dict(tl_shape=lam, tl_scale=scale), rng, noise='G')
        assert abs(z.mean()) < 0.02 * scale
        assert abs(z.var() / (scale ** 2 * _tukey_var(lam)) - 1) < 0.02
    z = llr.add_physics_noise(zero, dict(g_scale=4.0), rng, noise='g')
    assert abs(z.std() / 4.0 - 1) < 0.01
    z = llr.add_physics_noise(np.zeros((4000, 8, 4)), dict(row_scale=2.0), rng, noise='R')
    assert np.array_equal(z[:, :1].repeat(8, 1), z)               # one offset per row/channel
    assert abs(z[:, 0].std() / 2.0 - 1) < 0.02
    z = llr.add_physics_noise(zero, {}, rng, noise='U')
    assert -0.5 <= z.min() and z.max() <= 0.5 and abs(z.var() * 12 - 1) < 0.01
    with pytest.raises(ValueError, match='noise must'):
        llr.add_physics_noise(zero, {}, rng, noise='Gg')


def test_parameter_sampling_follows_the_calibration():
    rng = np.random.default_rng(4)
    cam = llr.CANON_EOS5D4
    draws = [llr.sample_noise_params(rng) for _ in range(5000)]
    log_k = np.log([d['K'] for d in draws])
    lo, hi = np.log(cam['k_min']), np.log(cam['k_max'])
    assert lo <= log_k.min() and log_k.max() <= hi
    assert abs(log_k.mean() - (lo + hi) / 2) < 0.05                 # log-uniform
    for key in ('tl_scale', 'g_scale', 'row_scale'):
        slope, bias, sigma = cam[key]
        resid = np.log([d[key] for d in draws]) - (slope * log_k + bias)
        assert abs(resid.mean()) < 0.02 and abs(resid.std() / sigma - 1) < 0.05
    ratios = np.array([d['ratio'] for d in draws])
    assert 10 <= ratios.min() and ratios.max() <= 100 and abs(ratios.mean() - 55) < 1.0
    assert {d['tl_shape'] for d in draws} <= set(cam['tl_shape'])


def test_full_noise_variance_of_a_flat_patch():
    """The amplified output's variance (in DN of the dark exposure) is the sum of the terms'
    variances: K·y + σ_TL²·Var_λ + σ_r² (over rows) + 1/12, for the drawn parameters."""
    img = np.full((600, 600, 3), 0.5)
    out, m = llr.synthesize_low_light_raw(img, np.random.default_rng(5), noise='PGRU',
                                          ratio_range=(20, 20))
    clean, _ = llr.synthesize_low_light_raw(img, np.random.default_rng(5), noise='',
                                            ratio_range=(20, 20))
    sat, r = m['saturation'], m['ratio']
    y = clean[..., 1] * sat / r                                      # Gr plane, flat
    z = out[..., 1] * sat / r
    expect = (m['K'] * y.mean() + m['tl_scale'] ** 2 * _tukey_var(m['tl_shape'])
              + m['row_scale'] ** 2 + 1 / 12)
    assert abs(z.var() / expect - 1) < 0.1


def test_transform_seeding_and_errors():
    t = TRANSFORMS.build(dict(type='LowLightRaw', seed=0))
    img = np.round(_quad_image(np.random.default_rng(6), 8, 10)[..., ::-1] * 255)
    img = np.concatenate([img, img[:1]], 0).astype(np.uint8)          # odd height dropped
    out = t(dict(img=img, img_path='a.png', sample_idx=3))
    assert out['img'].shape == (4, 5, 4) and out['img'].dtype == np.float32
    assert out['img_shape'] == (8, 10) and 0 <= out['img'].min() and out['img'].max() <= 255
    again = t(dict(img=img, img_path='a.png', sample_idx=3))['img']
    other = t(dict(img=img, img_path='a.png', sample_idx=4))['img']
    assert np.array_equal(again, out['img']) and not np.array_equal(other, out['img'])
    train = TRANSFORMS.build(dict(type='LowLightRaw'))                  # unseeded: fresh draws
    a, b = (train(dict(img=img.copy(), sample_idx=3))['img'] for _ in range(2))
    assert not np.array_equal(a, b)
    clean = TRANSFORMS.build(dict(type='LowLightRaw', noise='', seed=0))
    back = up.process(clean(dict(img=img, sample_idx=0))['img'] / 255.0,
                      clean(dict(img=img, sample_idx=0))['unprocess_meta'])
    assert np.abs(back - img[:8, :, ::-1] / 255.0).max() < 1e-4
    # float32 BGR on the 8-bit scale (mmdet's PhotoMetricDistortion output) = the uint8 input
    as_float = t(dict(img=img.astype(np.float32), img_path='a.png', sample_idx=3))['img']
    assert np.allclose(as_float, out['img'], atol=1e-4)
    with pytest.raises(ValueError, match='H x W x 3.*b.png'):
        t(dict(img=np.zeros((4, 4)), img_path='b.png'))
    for bad in (dict(noise='X'), dict(ratio_range=(5, 1)), dict(ccm='srgb')):
        with pytest.raises(ValueError):
            TRANSFORMS.build(dict(type='LowLightRaw', **bad))


@pytest.mark.parametrize('name', ['bgl_dsfd_darkface_tbgl.py', 'bgl_dsfd_darkface_ibgl.py',
                                  'bgl_transfer_dsfd_darkface.py',
                                  'bgl_transfer_deeplabv3plus_acdc.py'])
def test_configs_synthesise_low_light_raw(name):
    """Chen et al.'s synthesis is the default of the DARK FACE and ACDC BGL configs: random
    in training, seeded in val/test; the transfer configs load the SID IBGL block."""
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'bgl', name))
    train = cfg.train_dataloader.dataset.pipeline[-2]
    test = cfg.test_dataloader.dataset.pipeline[-2]
    for step in (train, test, cfg.val_dataloader.dataset.pipeline[-2]):
        assert step.type == 'mmruas.LowLightRaw' and step.noise == 'PGRU'
        assert tuple(step.ratio_range) == (10.0, 100.0) and step.ccm == 'calibrated'
    assert train.get('seed') is None and test.seed == 0
    if 'transfer' in name:
        assert cfg.model.data_preprocessor.scene_checkpoint == \
            'work_dirs/bgl_sid_ibgl/iter_20000.pth'
    if 'acdc' in name:
        assert cfg.train_dataloader.batch_size == 5 and cfg.optim_wrapper.optimizer.lr == 0.1
        for ev in (cfg.val_evaluator, cfg.test_evaluator):
            assert ev.type == 'SegTableIoUMetric' and ev.subsets['mIoU16'] == 'bgl_table2'
