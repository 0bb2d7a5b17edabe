"""VIF, FSIM, NIQE and LOE (BGL Tables 1 and 3) against independent computations.

VIF against sewar's pixel-domain ``vifp`` (a separate numpy port of the authors' code),
FSIM against piqa's (a separate PyTorch port), NIQE against BasicSR's port of the MATLAB
release (its file, loaded without importing basicsr), LOE against hand counts and a
loop-by-loop transcription of the released MATLAB code.
"""
from __future__ import annotations

import importlib.util
import os.path as osp
import sys
import types
from importlib.metadata import PackageNotFoundError, distribution

import cv2
import numpy as np
import pytest
import torch
from skimage import data as skdata

from mmruas.evaluation import FSIM, LOE, NIQE, VIF, fsim, loe, niqe, vif_p
from mmruas.evaluation.niqe import matlab_imresize_half, niqe_params, rgb2gray_matlab
from mmruas.registry import METRICS


def _pair(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A 96 x 128 crop of scikit-image's astronaut and a blurred, noisy copy (uint8 RGB)."""
    ref = skdata.astronaut()[100:196, 200:328]
    rng = np.random.default_rng(seed)
    dist = cv2.GaussianBlur(ref, (5, 5), 1.2).astype(np.float64) + rng.normal(0, 8, ref.shape)
    return ref, np.clip(np.round(dist), 0, 255).astype(np.uint8)


def _sample(pred: np.ndarray, gt: np.ndarray | None = None, **extra) -> dict:
    def t(a: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(a.transpose(2, 0, 1).astype(np.float32) / 255.0)

    s = dict(pred_img=t(pred), img_path='x.png', **extra)
    if gt is not None:
        s['gt_img'] = t(gt)
    return s


# ------------------------------------------------------------------ VIF
def test_vif_identical_is_one_and_matches_piq_and_sewar():
    ref, dist = _pair()
    assert vif_p(ref, ref) == pytest.approx(1.0, abs=1e-8)     # eps guards: 1 - 1.3e-9
    piq = pytest.importorskip('piq')

    def t(a: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(a.transpose(2, 0, 1)[None].astype(np.float64))

    ours = vif_p(dist, ref)
    theirs = float(piq.vif_p(t(dist), t(ref), data_range=255.0))
    assert 0.05 < ours < 0.9
    assert ours == pytest.approx(theirs, rel=1e-9)
    sewar = pytest.importorskip('sewar.full_ref')
    gray_r = np.round(rgb2gray_matlab(ref))
    gray_d = np.round(rgb2gray_matlab(dist))
    assert vif_p(gray_d, gray_r) == pytest.approx(float(sewar.vifp(gray_r, gray_d)),
                                                  rel=1e-7)   # 0.42738 both


# ------------------------------------------------------------------ FSIM
@pytest.mark.parametrize('chromatic', [False, True])
def test_fsim_identical_is_one_and_matches_piqa(chromatic):
    ref, dist = _pair()
    assert fsim(ref, ref, chromatic) == pytest.approx(1.0, abs=1e-6)
    piqa = pytest.importorskip('piqa')

    def t(a: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(a.transpose(2, 0, 1)[None].astype(np.float64) / 255.0)

    theirs = float(piqa.FSIM(chromatic=chromatic).double()(t(dist), t(ref)))
    ours = fsim(dist, ref, chromatic)
    assert 0.5 < ours < 0.99
    assert ours == pytest.approx(theirs, abs=5e-5)        # 0.88945 / 0.88505


# ------------------------------------------------------------------ NIQE
def _basicsr_niqe_module(monkeypatch):
    """BasicSR's ``metrics/niqe.py`` with its ``basicsr`` imports served by stubs / files,
    so that the package itself (which no longer imports) is not run."""
    try:
        root = str(distribution('basicsr').locate_file('basicsr'))
    except PackageNotFoundError:
        pytest.skip('basicsr==1.4.2 not installed (pip install --no-deps basicsr==1.4.2)')

    def load(name: str, path: str) -> types.ModuleType:
        s = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(s)
        monkeypatch.setitem(sys.modules, name, mod)
        s.loader.exec_module(mod)
        return mod

    for name in ('basicsr', 'basicsr.metrics', 'basicsr.utils'):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    util = types.ModuleType('basicsr.metrics.metric_util')
    util.reorder_image = util.to_y_channel = None
    monkeypatch.setitem(sys.modules, 'basicsr.metrics.metric_util', util)
    reg = types.ModuleType('basicsr.utils.registry')
    reg.METRIC_REGISTRY = types.SimpleNamespace(register=lambda: (lambda f: f))
    monkeypatch.setitem(sys.modules, 'basicsr.utils.registry', reg)
    load('basicsr.utils.matlab_functions', osp.join(root, 'utils', 'matlab_functions.py'))
    mod = load('basicsr.metrics.niqe', osp.join(root, 'metrics', 'niqe.py'))
    return mod, np.load(osp.join(root, 'metrics', 'niqe_pris_params.npz'))


def test_niqe_matches_basicsr_port(monkeypatch):
    ref = skdata.astronaut()[:288, :384]
    _, dist = _pair()
    bsr, params = _basicsr_niqe_module(monkeypatch)
    gray = rgb2gray_matlab(ref)
    # the MATLAB-style half-size resize of both ports agrees
    theirs_half = sys.modules['basicsr.utils.matlab_functions'].imresize(gray / 255., 0.5)
    assert np.abs(matlab_imresize_half(gray) - theirs_half * 255.).max() < 1e-3
    ours = niqe(ref)
    theirs = bsr.niqe(gray, params['mu_pris_param'], params['cov_pris_param'],
                      params['gaussian_window'])
    assert 2.0 < ours < 15.0
    assert ours == pytest.approx(theirs, rel=1e-5)       # 4.23675 / 4.23676
    mu, cov = niqe_params()
    assert mu.shape == (36,) and cov.shape == (36, 36)


def test_niqe_rises_with_noise():
    ref = skdata.astronaut()[:288, :288]
    noisy = np.clip(ref + np.random.default_rng(1).normal(0, 25, ref.shape), 0, 255)
    assert niqe(noisy.astype(np.uint8)) > niqe(ref) + 1.0
    with pytest.raises(ValueError, match='at least 96'):
        niqe(ref[:90, :90])


# ------------------------------------------------------------------ LOE
def test_loe_hand_counts():
    light = np.arange(16, dtype=np.float64).reshape(4, 4)
    inp = np.repeat(light[..., None], 3, axis=2)
    enh = inp.copy()
    enh[0, 0], enh[0, 1] = 1.0, 0.0       # the two darkest pixels swap their order
    # each of the two pixels disagrees with the other one only: RD = 1, 1, 0 x 14
    assert loe(inp, enh, win=0) == pytest.approx(2 / 16)
    enh[3, 3] = -1.0                      # the brightest becomes the darkest: it flips
    # against all 15 others, and each other flips against it: 15 + 15 + 2 (the swap)
    assert loe(inp, enh, win=0) == pytest.approx((15 + 15 + 2) / 16)
    # lightness is the maximum over channels: a change in a non-maximal channel is ignored
    other = inp.copy()
    other[..., 0] = 0.0
    assert loe(inp, other, win=0) == 0.0


def _loe_matlab_transcription(ipic: np.ndarray, epic: np.ndarray, win: int = 7) -> float:
    """The released MATLAB LOE, loop by loop (1-based indices written out)."""
    def localmax(pic: np.ndarray) -> np.ndarray:
        h, w = pic.shape
        ext = np.zeros((h + 2 * win, w + 2 * win))
        ext[win:win + h, win:win + w] = pic
        for i in range(1, win + 1):
            ext[win - i, win:win + w] = ext[win + i, win:win + w]
            ext[h + win - 1 + i, win:win + w] = ext[h + win - 1 - i, win:win + w]
        for i in range(1, win + 1):
            ext[:, win - i] = ext[:, win + i]
            ext[:, w + win - 1 + i] = ext[:, w + win - 1 - i]
        return np.array([[ext[i - win:i + win + 1, j - win:j + win + 1].max()
                          for j in range(win, w + win)] for i in range(win, h + win)])

    m, n, _ = ipic.shape
    imax = localmax(np.round(ipic.max(axis=2)))
    emax = localmax(np.round(epic.max(axis=2)))
    step = min(m, n) // 50
    bm, bn = m // step, n // step
    ids = np.array([[imax[i * step - 1, j * step - 1] for j in range(1, bn + 1)]
                    for i in range(1, bm + 1)])
    eds = np.array([[emax[i * step - 1, j * step - 1] for j in range(1, bn + 1)]
                    for i in range(1, bm + 1)])
    total = [np.count_nonzero((ids >= ids[i, j]) != (eds >= eds[i, j]))
             for i in range(bm) for j in range(bn)]
    return float(np.mean(total))


def test_loe_matches_released_code_and_gain_is_zero():
    rng = np.random.default_rng(3)
    inp = (skdata.astronaut()[:110, :160] // 3).astype(np.float64)   # step 2: 55 x 80 grid
    enh = np.clip(inp * 2.5 + rng.normal(0, 12, inp.shape), 0, 255).round()
    ours = loe(inp, enh)
    assert ours > 1.0
    assert ours == pytest.approx(_loe_matlab_transcription(inp, enh))
    assert loe(inp, inp * 2.0) == 0.0      # a gain keeps every lightness order


# ------------------------------------------------------------------ registered metrics
def test_registered_metrics_keys_and_values():
    ref, dist = _pair()
    samples = [_sample(dist, ref)]
    expect = {'VIF': vif_p(dist, ref), 'FSIM': fsim(dist, ref)}
    for name in ('VIF', 'FSIM'):
        m = METRICS.build(dict(type=name))
        m.process({}, samples)
        assert m.compute_metrics(m.results) == {name: pytest.approx(expect[name], rel=1e-6)}
    assert isinstance(METRICS.build(dict(type='FSIM', chromatic=True)), FSIM)
    assert isinstance(METRICS.build(dict(type='VIF')), VIF)

    big = skdata.astronaut()[:192, :192]
    m = METRICS.build(dict(type='NIQE'))
    assert isinstance(m, NIQE)
    m.process({}, [_sample(big)])
    assert m.compute_metrics(m.results) == {'NIQE': pytest.approx(niqe(big), rel=1e-6)}
    small = METRICS.build(dict(type='NIQE', too_small='nan'))
    small.process({}, [_sample(big[:64, :80])])
    assert np.isnan(small.compute_metrics(small.results)['NIQE'])
    with pytest.raises(ValueError, match='at least 96'):
        m.process({}, [_sample(big[:64, :80])])


def test_loe_metric_reads_the_batch_input_or_a_field():
    inp = (skdata.astronaut()[:60, :80] // 4).astype(np.uint8)
    enh = np.clip(inp.astype(np.int32) * 3 + 5, 0, 255).astype(np.uint8)
    enh[:20, :20] = 255 - enh[:20, :20]
    value = loe(inp, enh)
    assert value > 0
    m = METRICS.build(dict(type='LOE'))
    assert isinstance(m, LOE)
    bgr = torch.from_numpy(np.ascontiguousarray(inp[..., ::-1].transpose(2, 0, 1)))
    m.process({'inputs': [bgr]}, [_sample(enh, max_value=255)])
    field = METRICS.build(dict(type='LOE', input_key='pred_raw_rgb'))
    s = _sample(enh)
    s['pred_raw_rgb'] = _sample(inp)['pred_img']
    field.process({}, [s])
    assert m.compute_metrics(m.results) == {'LOE': pytest.approx(value)}
    assert field.compute_metrics(field.results) == {'LOE': pytest.approx(value)}
    raw = METRICS.build(dict(type='LOE'))
    with pytest.raises(ValueError, match='pred_raw_rgb'):
        raw.process({'inputs': [torch.zeros(4, 30, 40, dtype=torch.uint16)]},
                    [_sample(enh[:30, :40])])
