"""Low-light RAW synthesis of Chen et al. 2023 ("Instance Segmentation in the Dark", IJCV 131,
arXiv 2304.14298), the unprocessing BGL (ACM MM 2023, §4.1, its reference [2]) applies to DARK
FACE and ACDC, which have no RAW.

The chain (sRGB → a short-exposure noisy RAW, amplified like SID's inputs):

1. **Unprocessing** in the manner of Brooks et al. 2019 (:mod:`.unprocess`): inverse tone
   curve, inverse gamma, inverse colour correction, inverse white balance and digital gain,
   RGGB mosaic. Colour matrix: the calibrated camera → sRGB matrix of the Canon EOS 5D Mark IV
   (:data:`CANON_EOS5D4_CAM2RGB`, the one Chen et al.'s released code unprocesses with);
   ``ccm='random'`` draws Brooks et al.'s random camera instead.
2. **Low light**: the RAW in digital numbers ``y = raw·S / r`` (``S`` the saturation level
   above black, ``r`` the exposure ratio drawn from ``ratio_range``).
3. **Physics-based noise** (Wei et al., "A Physics-based Noise Formation Model for Extreme
   Low-light Raw Denoising", CVPR 2020 / TPAMI 2021, "ELD"):
   ``z = K·Poisson(y/K) + N_read + N_row + N_q`` with the system gain ``K``; read noise
   Tukey-lambda (shape λ, scale σ_TL; ``'G'``) or Gaussian (σ_g; ``'g'``), row noise one
   N(0, σ_r) offset per row and Bayer channel (``'R'``), quantisation noise U(−q/2, q/2)
   per sample with q = 1 DN (``'U'``); ``'P'`` is the shot noise. The parameters are drawn
   as in ELD: ``log K ~ U(log K_min, log K_max)``, ``log σ = a·log K + b + N(0, s²)`` for
   each of σ_TL, σ_g, σ_r, and λ from the calibrated values.
4. **Amplification** (``amplify=True``): ``z·r / S``, clipped to [0, 1] — the brightness of
   the clean RAW with the noise of an r-times shorter exposure, as SID's packed inputs
   (:func:`~.raw_packing.pack_raw` multiplies by the exposure ratio) and as Chen et al.'s
   code returns it. ``amplify=False`` keeps the dark ``z / S`` (mean scaled by 1/r).

Values (Chen et al.'s paper text was not available to us; these are the values of their
released code (the LIS repository), ``noisemodel/dark_noising.py`` and its configs,
which we read): noise model ``'PGRU'`` (shot, Tukey-lambda read, row, quantisation; no colour
bias), ratio U(10, 100), saturation ``S = 16383 − 512``, the Canon EOS 5D Mark IV calibration
of ELD's release (:data:`CANON_EOS5D4`). Our choices: quantisation noise per sample (their
code adds one scalar per image; ELD's model is per pixel); deterministic draws per sample
when ``seed`` is set (test pipelines), fresh draws otherwise (training).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from mmcv.transforms import BaseTransform

from mmruas.registry import TRANSFORMS

from .unprocess import results_rgb, seeded_rng, unprocess

__all__ = ['CANON_EOS5D4', 'CANON_EOS5D4_CAM2RGB', 'sample_noise_params', 'tukey_lambda',
           'add_physics_noise', 'synthesize_low_light_raw', 'LowLightRaw']

#: Canon EOS 5D Mark IV noise calibration (ELD release, ``CanonEOS5D4_params.npy``; Chen et
#: al.'s camera): K range, log-linear relations ``(slope, bias, sigma)`` of the Tukey-lambda
#: scale, the Gaussian read scale and the row-noise scale with log K, and the calibrated
#: Tukey-lambda shapes (one per calibration frame). Saturation: 14 bits minus black 512.
CANON_EOS5D4 = dict(
    k_min=0.2181895, k_max=13.964129,
    tl_scale=(0.6558756, 1.0926868, 0.2860472),
    g_scale=(0.6771268, 1.5121877, 0.2464110),
    row_scale=(0.4712798, -0.8078959, 0.2436176),
    tl_shape=(0.15714286, 0.14285714, 0.08571429, 0.08571429, 0.2, 0.2, 0.1, 0.08571429,
              0.05714286, 0.07142857, 0.02857143, 0.02857143, 0.01428571, 0.02857143,
              0.08571429, 0.07142857, 0.11428571, 0.11428571),
    saturation=16383.0 - 512.0)

#: calibrated camera → linear sRGB matrix of the Canon EOS 5D Mark IV (rows sum to 1)
CANON_EOS5D4_CAM2RGB = np.array([[2.04840695, -1.27161572, 0.22320878],
                                 [-0.22163155, 1.77694640, -0.55531485],
                                 [-0.00770995, -0.59257895, 1.60028890]])

NOISE_TERMS = set('PGgRU')


def _log_linear(rng: np.random.Generator, log_k: float, rel: Sequence[float]) -> float:
    slope, bias, sigma = rel
    return float(np.exp(slope * log_k + bias + sigma * rng.standard_normal()))


def sample_noise_params(rng: np.random.Generator, camera: dict = CANON_EOS5D4,
                        ratio_range: Sequence[float] = (10.0, 100.0)) -> dict:
    """Draw ``K, tl_scale, tl_shape, g_scale, row_scale, ratio`` (ELD's sampling: log K
    uniform, each log scale linear in log K plus Gaussian scatter; ratio uniform)."""
    log_k = rng.uniform(np.log(camera['k_min']), np.log(camera['k_max']))
    params = dict(K=float(np.exp(log_k)),
                  tl_scale=_log_linear(rng, log_k, camera['tl_scale']),
                  tl_shape=float(rng.choice(np.asarray(camera['tl_shape']))),
                  g_scale=_log_linear(rng, log_k, camera['g_scale']),
                  row_scale=_log_linear(rng, log_k, camera['row_scale']))
    params['ratio'] = float(rng.uniform(*ratio_range))
    return params


def tukey_lambda(rng: np.random.Generator, shape: float, scale: float,
                 size: Sequence[int]) -> np.ndarray:
    """Tukey-lambda samples by the inverse CDF ``Q(u) = (u^λ − (1−u)^λ)/λ`` (λ = 0: the
    logistic ``log(u/(1−u))``), times ``scale``."""
    u = rng.uniform(size=size)
    u = np.clip(u, 1e-12, 1 - 1e-12)
    if abs(shape) < 1e-8:
        q = np.log(u / (1.0 - u))
    else:
        q = (u ** shape - (1.0 - u) ** shape) / shape
    return scale * q


def add_physics_noise(y: np.ndarray, params: dict, rng: np.random.Generator,
                      noise: str = 'PGRU', q_step: float = 1.0) -> np.ndarray:
    """ELD's noise on a clean signal ``y`` in DN (H x W x C): shot ``'P'`` (variance K·y),
    read ``'G'`` (Tukey-lambda) or ``'g'`` (Gaussian), row ``'R'`` (one offset per row and
    channel), quantisation ``'U'`` (uniform, width ``q_step``)."""
    unknown = set(noise) - NOISE_TERMS
    if unknown or ('G' in noise and 'g' in noise):
        raise ValueError(f"noise must combine 'P', 'G' or 'g', 'R', 'U', got {noise!r}")
    z = rng.poisson(np.maximum(y, 0.0) / params['K']) * params['K'] if 'P' in noise else y
    z = np.asarray(z, dtype=np.float64)
    if 'G' in noise:
        z = z + tukey_lambda(rng, params['tl_shape'], params['tl_scale'], y.shape)
    elif 'g' in noise:
        z = z + rng.normal(0.0, params['g_scale'], size=y.shape)
    if 'R' in noise:
        z = z + rng.normal(0.0, params['row_scale'], size=(y.shape[0], 1, *y.shape[2:]))
    if 'U' in noise:
        z = z + rng.uniform(-0.5 * q_step, 0.5 * q_step, size=y.shape)
    return z


def synthesize_low_light_raw(img: np.ndarray, rng: np.random.Generator, noise: str = 'PGRU',
                             ratio_range: Sequence[float] = (10.0, 100.0),
                             ccm: str = 'calibrated', camera: dict = CANON_EOS5D4,
                             amplify: bool = True) -> tuple[np.ndarray, dict]:
    """sRGB H x W x 3 in [0, 1] → (noisy low-light packed RAW H/2 x W/2 x 4 in [0, 1],
    metadata: the unprocessing's (for :func:`.unprocess.process`) and the noise parameters).

    ``noise=''`` is the noise-free path: ``amplify=True`` then returns the clean RAW.
    """
    if ccm not in ('calibrated', 'random'):
        raise ValueError(f"ccm must be 'calibrated' or 'random', got {ccm!r}")
    rgb2cam = np.linalg.inv(CANON_EOS5D4_CAM2RGB) if ccm == 'calibrated' else None
    raw, meta = unprocess(img, rng, noise=False, rgb2cam=rgb2cam)
    params = sample_noise_params(rng, camera, ratio_range)
    sat, ratio = float(camera['saturation']), params['ratio']
    z = add_physics_noise(raw * sat / ratio, params, rng, noise)
    out = z * ratio / sat if amplify else z / sat
    meta.update(params, noise=noise, saturation=sat, amplified=bool(amplify))
    return np.clip(out, 0.0, 1.0), meta


@TRANSFORMS.register_module()
class LowLightRaw(BaseTransform):
    """``img`` (BGR: 8/16-bit, or float on the 8-bit scale as mmdet's photometric
    distortion leaves it) → a synthetic low-light packed RAW (Chen et al. 2023's pipeline,
    module docstring).

    Output as :class:`~.unprocess.Unprocess`'s: ``img`` H/2 x W/2 x 4 float32 (R, Gr, Gb, B)
    times ``out_scale`` (255: the 8-bit white level the scene preprocessors divide by),
    ``img_shape`` the full even size, the draws in ``unprocess_meta``. Place it after the
    geometric transforms, right before packing.

    Args:
        noise: noise terms, ``'PGRU'`` (Chen et al.) or any subset of P, G|g, R, U;
            ``''`` switches the noise off.
        ratio_range: the exposure ratio r ~ U(low, high); (r, r) fixes it.
        ccm: ``'calibrated'`` (Canon EOS 5D Mark IV) or ``'random'`` (Brooks et al.).
        amplify: multiply back by r (SID-like brightness) or keep the dark RAW.
        out_scale: white level of the output.
        seed: seed per sample (deterministic, for test pipelines; our choice) or ``None``
            (a new draw every time, for training).
    """

    def __init__(self, noise: str = 'PGRU', ratio_range: Sequence[float] = (10.0, 100.0),
                 ccm: str = 'calibrated', amplify: bool = True, out_scale: float = 255.0,
                 seed: int | None = None) -> None:
        low, high = (float(r) for r in ratio_range)
        if not 0 < low <= high or out_scale <= 0:
            raise ValueError(f'ratio_range must be 0 < low <= high and out_scale positive, '
                             f'got {ratio_range}, {out_scale}')
        if set(noise) - NOISE_TERMS or ('G' in noise and 'g' in noise):
            raise ValueError(f"noise must combine 'P', 'G' or 'g', 'R', 'U', got {noise!r}")
        if ccm not in ('calibrated', 'random'):
            raise ValueError(f"ccm must be 'calibrated' or 'random', got {ccm!r}")
        self.noise, self.ratio_range, self.ccm = str(noise), (low, high), ccm
        self.amplify, self.out_scale, self.seed = bool(amplify), float(out_scale), seed

    def transform(self, results: dict) -> dict:
        """Synthesise the low-light RAW of ``results['img']``."""
        rgb = results_rgb(results, type(self).__name__)
        raw, meta = synthesize_low_light_raw(rgb, seeded_rng(self.seed, results), self.noise,
                                             self.ratio_range, self.ccm, amplify=self.amplify)
        results['img'] = (raw * self.out_scale).astype(np.float32)
        results['img_shape'] = rgb.shape[:2]
        results['unprocess_meta'] = meta
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(noise={self.noise!r}, ratio_range={self.ratio_range}, '
                f'ccm={self.ccm!r}, amplify={self.amplify}, out_scale={self.out_scale}, '
                f'seed={self.seed})')
