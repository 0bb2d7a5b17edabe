"""Unprocessing (Brooks et al., "Unprocessing Images for Learned Raw Denoising", CVPR 2019).

Turns an sRGB image into a packed RAW observation (docs/method.md#unprocessing: data sets without
RAW train BGL's generative block on it). Each step of :func:`unprocess` has its exact inverse
in :func:`process`; with the noise off, ``process(unprocess(x))`` returns ``x`` (up to
float rounding) for any image that is constant on each 2 x 2 Bayer quad and whose camera
colours stay inside [0, 1] (mosaicking drops 3/4 of the samples; clipping is lossy):

    =====================================  ===========================================
    forward (sRGB → RAW)                   inverse (RAW → sRGB)
    =====================================  ===========================================
    inverse tone curve (smoothstep⁻¹)      :func:`smoothstep` ``3x² − 2x³``
    inverse gamma ``x^2.2``                :func:`gamma_compression` ``x^(1/2.2)``
    inverse colour correction (rgb2cam)    :func:`apply_ccm` with ``cam2rgb = rgb2cam⁻¹``
    inverse white balance, highlights      :func:`undo_safe_invert_gains` (per-pixel root
    preserved (:func:`safe_invert_gains`)  of a monotone scalar equation, bisection)
    mosaic to RGGB (:func:`mosaic`)        :func:`demosaic_quads` (exact on quad-constant
                                           images)
    shot/read noise (:func:`add_noise`)    — (random; switch off with ``add_noise=False``)
    =====================================  ===========================================

Random parameters as in Brooks et al.: camera matrix a random convex combination of four
XYZ→camera matrices (weights U(1e-8, 1e8)), rows normalised to sum 1; red gain
U(1.9, 2.4), blue gain U(1.5, 1.9), overall gain 1/N(0.8, 0.1); log shot noise
U(log 1e-4, log 0.012), log read noise = 2.18·log shot + 1.20 + N(0, 0.26).
Images are H x W x 3 RGB float arrays in [0, 1]; RAW is H/2 x W/2 x 4 (R, Gr, Gb, B).
"""
from __future__ import annotations

import numpy as np
from mmcv.transforms import BaseTransform

from mmruas.registry import TRANSFORMS

__all__ = ['random_ccm', 'random_gains', 'random_noise_levels', 'inverse_smoothstep',
           'smoothstep', 'gamma_expansion', 'gamma_compression', 'apply_ccm',
           'safe_invert_gains', 'undo_safe_invert_gains', 'mosaic', 'demosaic_quads',
           'add_noise', 'unprocess', 'process', 'results_rgb', 'seeded_rng', 'Unprocess']

#: XYZ → camera matrices of four cameras (Brooks et al. 2019)
XYZ2CAMS = np.array([[[1.0234, -0.2969, -0.2266], [-0.5625, 1.6328, -0.0469],
                      [-0.0703, 0.2188, 0.6406]],
                     [[0.4913, -0.0541, -0.0202], [-0.613, 1.3513, 0.2906],
                      [-0.1564, 0.2151, 0.7183]],
                     [[0.838, -0.263, -0.0639], [-0.2887, 1.0725, 0.2496],
                      [-0.0627, 0.1427, 0.5438]],
                     [[0.6596, -0.2079, -0.0562], [-0.4782, 1.3016, 0.1933],
                      [-0.097, 0.1581, 0.5181]]])
#: linear sRGB → XYZ (D65)
RGB2XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                    [0.2126729, 0.7151522, 0.0721750],
                    [0.0193339, 0.1191920, 0.9503041]])
GAMMA = 2.2
HIGHLIGHT_INFLECTION = 0.9


# ---------------------------------------------------------------------- random parameters
def random_ccm(rng: np.random.Generator) -> np.ndarray:
    """A random RGB → camera matrix (rows sum to 1, so white stays white)."""
    weights = rng.uniform(1e-8, 1e8, size=(len(XYZ2CAMS), 1, 1))
    xyz2cam = (XYZ2CAMS * weights).sum(0) / weights.sum()
    rgb2cam = xyz2cam @ RGB2XYZ
    return rgb2cam / rgb2cam.sum(-1, keepdims=True)


def random_gains(rng: np.random.Generator) -> tuple[float, float, float]:
    """``(rgb_gain, red_gain, blue_gain)``: 1/N(0.8, 0.1), U(1.9, 2.4), U(1.5, 1.9)."""
    rgb_gain = 1.0 / rng.normal(0.8, 0.1)
    return float(rgb_gain), float(rng.uniform(1.9, 2.4)), float(rng.uniform(1.5, 1.9))


def random_noise_levels(rng: np.random.Generator) -> tuple[float, float]:
    """``(shot, read)``: log shot ~ U(log 1e-4, log 0.012); log read = 2.18·log shot + 1.20
    + N(0, 0.26)."""
    log_shot = rng.uniform(np.log(1e-4), np.log(0.012))
    log_read = 2.18 * log_shot + 1.20 + rng.normal(0.0, 0.26)
    return float(np.exp(log_shot)), float(np.exp(log_read))


# ---------------------------------------------------------------------- steps and inverses
def inverse_smoothstep(x: np.ndarray) -> np.ndarray:
    """Inverse of the tone curve ``3x² − 2x³`` on [0, 1]."""
    x = np.clip(x, 0.0, 1.0)
    return 0.5 - np.sin(np.arcsin(1.0 - 2.0 * x) / 3.0)


def smoothstep(x: np.ndarray) -> np.ndarray:
    """The global tone curve ``3x² − 2x³`` (input clipped to [0, 1])."""
    x = np.clip(x, 0.0, 1.0)
    return 3.0 * x ** 2 - 2.0 * x ** 3


def gamma_expansion(x: np.ndarray) -> np.ndarray:
    """sRGB-like gamma → linear: ``x^2.2`` (negative values to 0)."""
    return np.maximum(x, 0.0) ** GAMMA


def gamma_compression(x: np.ndarray) -> np.ndarray:
    """Linear → gamma: ``x^(1/2.2)`` (negative values to 0)."""
    return np.maximum(x, 0.0) ** (1.0 / GAMMA)


def apply_ccm(x: np.ndarray, ccm: np.ndarray) -> np.ndarray:
    """Per-pixel colour matrix: ``out[..., i] = Σ_j ccm[i, j]·x[..., j]``."""
    return x @ np.asarray(ccm, dtype=x.dtype).T


def _gain_vector(rgb_gain: float, red_gain: float, blue_gain: float) -> np.ndarray:
    """The inverse white-balance gains ``[1/red, 1, 1/blue] / rgb_gain``."""
    return np.array([1.0 / red_gain, 1.0, 1.0 / blue_gain]) / rgb_gain


def _safe_gains(gray: np.ndarray, gains: np.ndarray) -> np.ndarray:
    """Highlight-preserving per-pixel gains: 1 at white, the plain gains below 0.9 grey."""
    mask = (np.maximum(gray - HIGHLIGHT_INFLECTION, 0.0) / (1.0 - HIGHLIGHT_INFLECTION)) ** 2
    return np.maximum(mask + (1.0 - mask) * gains, gains)


def safe_invert_gains(x: np.ndarray, rgb_gain: float, red_gain: float,
                      blue_gain: float) -> np.ndarray:
    """Inverse white balance and brightness, smoothly preserving highlights."""
    gains = _gain_vector(rgb_gain, red_gain, blue_gain).astype(x.dtype)
    return x * _safe_gains(x.mean(-1, keepdims=True), gains)


def undo_safe_invert_gains(y: np.ndarray, rgb_gain: float, red_gain: float,
                           blue_gain: float, iters: int = 64) -> np.ndarray:
    """Exact inverse of :func:`safe_invert_gains`.

    ``y_c = x_c·s_c(m)`` with ``m = mean_c x_c``: the grey level m solves
    ``h(m) = mean_c y_c / s_c(m) − m = 0``, h strictly decreasing (s_c grows with m), so
    bisection between ``mean y/max(g, 1)`` and ``mean y/g`` finds it (no closed form).
    """
    gains = _gain_vector(rgb_gain, red_gain, blue_gain)
    y64 = y.astype(np.float64)
    lo = (y64 / np.maximum(gains, 1.0)).mean(-1, keepdims=True)
    hi = (y64 / gains).mean(-1, keepdims=True)
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        above = (y64 / _safe_gains(mid, gains)).mean(-1, keepdims=True) > mid
        lo, hi = np.where(above, mid, lo), np.where(above, hi, mid)
    m = 0.5 * (lo + hi)
    return (y64 / _safe_gains(m, gains)).astype(y.dtype)


def mosaic(x: np.ndarray) -> np.ndarray:
    """H x W x 3 RGB → H/2 x W/2 x 4 RGGB Bayer samples (R, Gr, Gb, B); H, W even."""
    h, w = x.shape[:2]
    if h % 2 or w % 2:
        raise ValueError(f'mosaic needs an even height and width, got {h} x {w}')
    return np.stack([x[0::2, 0::2, 0], x[0::2, 1::2, 1], x[1::2, 0::2, 1], x[1::2, 1::2, 2]],
                    axis=-1)


def demosaic_quads(raw: np.ndarray) -> np.ndarray:
    """H/2 x W/2 x 4 RGGB → H x W x 3: each quad's (R, (Gr+Gb)/2, B) on its 4 pixels.

    The exact inverse of :func:`mosaic` on images constant on every 2 x 2 quad.
    """
    rgb = np.stack([raw[..., 0], 0.5 * (raw[..., 1] + raw[..., 2]), raw[..., 3]], axis=-1)
    return rgb.repeat(2, axis=0).repeat(2, axis=1)


def add_noise(raw: np.ndarray, shot: float, read: float,
              rng: np.random.Generator) -> np.ndarray:
    """Heteroscedastic Gaussian noise of variance ``shot·x + read`` (Brooks et al. eq. 1)."""
    var = np.maximum(raw, 0.0) * shot + read
    return (raw + rng.normal(size=raw.shape) * np.sqrt(var)).astype(raw.dtype)


# ---------------------------------------------------------------------- the chains
def unprocess(img: np.ndarray, rng: np.random.Generator, noise: bool = True,
              rgb2cam: np.ndarray | None = None) -> tuple[np.ndarray, dict]:
    """sRGB H x W x 3 in [0, 1] → (RAW H/2 x W/2 x 4, metadata to :func:`process` it).

    ``rgb2cam``: a fixed RGB → camera matrix (e.g. a calibrated camera's); ``None`` draws
    Brooks et al.'s random one (:func:`random_ccm`).
    """
    rgb2cam = random_ccm(rng) if rgb2cam is None else np.asarray(rgb2cam, dtype=np.float64)
    rgb_gain, red_gain, blue_gain = random_gains(rng)
    x = inverse_smoothstep(img)
    x = gamma_expansion(x)
    x = apply_ccm(x, rgb2cam)
    x = safe_invert_gains(x, rgb_gain, red_gain, blue_gain)
    x = np.clip(x, 0.0, 1.0)
    raw = mosaic(x)
    meta = dict(rgb2cam=rgb2cam, cam2rgb=np.linalg.inv(rgb2cam), rgb_gain=rgb_gain,
                red_gain=red_gain, blue_gain=blue_gain, shot_noise=0.0, read_noise=0.0)
    if noise:
        meta['shot_noise'], meta['read_noise'] = random_noise_levels(rng)
        raw = add_noise(raw, meta['shot_noise'], meta['read_noise'], rng)
    return raw, meta


def process(raw: np.ndarray, meta: dict) -> np.ndarray:
    """The inverse chain of :func:`unprocess` (RAW → sRGB), steps in reverse order."""
    x = demosaic_quads(np.clip(raw, 0.0, 1.0))
    x = undo_safe_invert_gains(x, meta['rgb_gain'], meta['red_gain'], meta['blue_gain'])
    x = apply_ccm(x, meta['cam2rgb'])
    x = gamma_compression(np.clip(x, 0.0, 1.0))
    return smoothstep(x)


def results_rgb(results: dict, name: str = 'Unprocess') -> np.ndarray:
    """``results['img']`` as float64 RGB in [0, 1], cropped to an even height and width; a
    one-line error names the file otherwise.

    The pipeline's convention: BGR, integers on their type's full range (8/16-bit loaders),
    floats on the 8-bit scale [0, 255] (e.g. mmdet's ``PhotoMetricDistortion`` returns
    float32 BGR there, unclipped; clipped here).
    """
    path = results.get('img_path', '<unknown>')
    img = results.get('img')
    if img is None or img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f'{name} needs an H x W x 3 image in \'img\', got '
                         f'{None if img is None else img.shape}: {path}')
    white = np.iinfo(img.dtype).max if np.issubdtype(img.dtype, np.integer) else 255.0
    rgb = np.clip(img[..., ::-1].astype(np.float64) / white, 0.0, 1.0)
    h, w = (img.shape[0] // 2) * 2, (img.shape[1] // 2) * 2
    if h == 0 or w == 0:
        raise ValueError(f'{name} needs an image of at least 2 x 2 pixels: {path}')
    return rgb[:h, :w]


def seeded_rng(seed: int | None, results: dict) -> np.random.Generator:
    """A private generator: ``[seed, sample_idx]`` when seeded (the same draw for a sample
    every time, e.g. a test set), else one seeded from ``np.random`` (seeded per worker by
    mmengine: a new draw every time)."""
    if seed is None:
        return np.random.default_rng(np.random.randint(0, 2 ** 31 - 1))
    return np.random.default_rng([seed, int(results.get('sample_idx', 0))])


@TRANSFORMS.register_module()
class Unprocess(BaseTransform):
    """``img`` (BGR: 8/16-bit, or float on the 8-bit scale) → packed RAW (Brooks et al.
    2019).

    The result ``img`` is H/2 x W/2 x 4 float32 (R, Gr, Gb, B), multiplied by ``ratio``
    (an exposure amplification, 1 by default), clipped to [0, 1] and scaled by
    ``out_scale``: 255 (default) keeps the 8-bit white level the scene preprocessors
    divide by (:class:`~mmruas.models.scene_preprocessor.SceneDataPreprocessorMixin` with
    a RAW scene module such as :class:`~mmruas.bgl.GenerativeBlock`). ``img_shape`` stays
    the full size (the block returns full-resolution RGB); an odd last row/column is
    dropped first. The drawn parameters go to ``unprocess_meta``. Place it after the
    geometric transforms, right before packing.

    Args:
        add_noise: add shot and read noise.
        ratio: exposure ratio multiplied into the RAW (after the noise).
        out_scale: white level of the output.
        seed: seed of a private generator (deterministic samples, e.g. for a test set);
            ``None`` draws from ``np.random`` (seeded per worker by mmengine).
    """

    def __init__(self, add_noise: bool = True, ratio: float = 1.0, out_scale: float = 255.0,
                 seed: int | None = None) -> None:
        if ratio <= 0 or out_scale <= 0:
            raise ValueError(f'ratio and out_scale must be positive, got {ratio}, {out_scale}')
        self.add_noise, self.ratio, self.out_scale, self.seed = (bool(add_noise), float(ratio),
                                                                 float(out_scale), seed)

    def _rng(self, results: dict) -> np.random.Generator:
        return seeded_rng(self.seed, results)

    def transform(self, results: dict) -> dict:
        """Unprocess ``results['img']``."""
        rgb = results_rgb(results, type(self).__name__)
        h, w = rgb.shape[:2]
        raw, meta = unprocess(rgb, self._rng(results), noise=self.add_noise)
        raw = np.clip(raw * self.ratio, 0.0, 1.0) * self.out_scale
        results['img'] = raw.astype(np.float32)
        results['img_shape'] = (h, w)
        results['unprocess_meta'] = meta
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(add_noise={self.add_noise}, ratio={self.ratio}, '
                f'out_scale={self.out_scale}, seed={self.seed})')
