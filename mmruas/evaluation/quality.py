"""VIF and FSIM: full-reference fidelity metrics on 8-bit RGB, higher is better (BGL Table 1).

Both follow ``piq`` (PyPI ``piq==0.8.0``; pure PyTorch, nothing downloaded for these
two) and read the same data samples as PSNR/SSIM: ``pred_img`` against ``gt_img``, each
quantized to 8 bits (:func:`~mmruas.evaluation.metrics.quantize_8bit`), optional border
crop, mean over images.

* **VIF** (Sheikh and Bovik, IEEE TIP 2006; BGL ref. [37]): ``piq.vif_p``'s computation
  (rewritten here in float64 with separable filters, for speed: see :func:`vif_p`), the
  authors' *pixel-domain* approximation (their released ``vifp`` code: four scales of Gaussian
  windows, visual-noise variance 2) on the luminance ``0.299 R + 0.587 G + 0.114 B``.
  The paper itself defines VIF on a steerable-pyramid wavelet decomposition; no maintained
  package without run-time downloads offers that form, and BGL does not say which it used.
* **FSIM** (Zhang et al., IEEE TIP 2011; BGL ref. [49]): ``piq.fsim`` as the authors'
  MATLAB code (average-pool by ``round(min(H, W) / 256)``, phase congruency with 4 scales
  and 4 orientations, gradient magnitude, YIQ). BGL Table 1 writes "FSIM", so the default is
  the luminance-only FSIM; ``chromatic=True`` gives FSIMc (the I and Q channels as well).
"""
from __future__ import annotations

import cv2
import numpy as np
import torch

from ..registry import METRICS
from .metrics import _ImageMetric

__all__ = ['VIF', 'FSIM', 'vif_p', 'fsim']


def _piq():
    try:
        import piq
    except ImportError as exc:
        raise ImportError(f'VIF and FSIM need the package piq==0.8.0 ({exc})') from None
    return piq


def _to_tensor(img: np.ndarray) -> torch.Tensor:
    """H x W x C (or H x W) 0-255 array -> 1 x C x H x W float64 tensor."""
    a = np.asarray(img, dtype=np.float64)
    a = a[..., None] if a.ndim == 2 else a
    return torch.from_numpy(np.ascontiguousarray(a.transpose(2, 0, 1)))[None]


def _valid_blur(z: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Gaussian filtering with MATLAB's ``filter2(..., 'valid')`` extent, in float64."""
    r = (len(kernel) - 1) // 2
    out = cv2.sepFilter2D(z, cv2.CV_64F, kernel, kernel, borderType=cv2.BORDER_REFLECT)
    return out[r:out.shape[0] - r, r:out.shape[1] - r]


def vif_p(pred: np.ndarray, ref: np.ndarray, sigma_n_sq: float = 2.0) -> float:
    """Pixel-domain VIF of ``pred`` against the reference ``ref`` (H x W x 3 RGB or H x W,
    0-255; at least 41 x 41). Not symmetric: identical images give 1.

    The computation of ``piq.vif_p`` (same constants and guards; the tests match it to
    1e-9), written with separable float64 filters: piq's float64 path took 25-50 s on one
    2128 x 1424 image on two CPU cores (this one 0.75 s), its float32 path moved VIF by 6e-4.
    """
    if pred.shape != ref.shape:
        raise ValueError(f'vif_p: shapes differ: {pred.shape} vs {ref.shape}')
    if min(pred.shape[:2]) < 41:
        raise ValueError(f'vif_p: images must be at least 41 x 41, got {pred.shape[:2]}')
    weights = np.array([0.299, 0.587, 0.114])
    x, y = (np.asarray(a, dtype=np.float64) for a in (pred, ref))
    if x.ndim == 3:
        x, y = x @ weights, y @ weights
    eps, num, den = 1e-8, 0.0, 0.0
    for scale in range(4):
        size = 2 ** (4 - scale) + 1
        k = cv2.getGaussianKernel(size, size / 5, cv2.CV_64F)
        if scale:
            x, y = _valid_blur(x, k)[::2, ::2], _valid_blur(y, k)[::2, ::2]
        mx, my = _valid_blur(x, k), _valid_blur(y, k)
        sxx = np.maximum(_valid_blur(x * x, k) - mx * mx, 0)
        syy = np.maximum(_valid_blur(y * y, k) - my * my, 0)   # y: the reference
        sxy = _valid_blur(x * y, k) - mx * my
        g = sxy / (syy + eps)
        sv = sxx - g * sxy
        low_y, low_x = syy < eps, sxx < eps
        g[low_y], sv[low_y], syy[low_y] = 0, sxx[low_y], 0
        g[low_x], sv[low_x] = 0, 0
        sv = np.where(g >= 0, sv, sxx)
        g = np.maximum(g, 0)
        sv = np.maximum(sv, eps)
        num += np.log10(1 + g ** 2 * syy / (sv + sigma_n_sq)).sum()
        den += np.log10(1 + syy / sigma_n_sq).sum()
    return float((num + eps) / (den + eps))


def fsim(pred: np.ndarray, ref: np.ndarray, chromatic: bool = False) -> float:
    """FSIM (or FSIMc with ``chromatic``) of two H x W x 3 RGB images, 0-255."""
    if pred.shape != ref.shape:
        raise ValueError(f'fsim: shapes differ: {pred.shape} vs {ref.shape}')
    with torch.no_grad():
        return float(_piq().fsim(_to_tensor(pred), _to_tensor(ref), data_range=255.0,
                                 chromatic=chromatic, reduction='none')[0])


@METRICS.register_module()
class VIF(_ImageMetric):
    """Mean pixel-domain VIF of ``pred_img`` against ``gt_img`` (higher is better).

    Args:
        sigma_n_sq: variance of the visual noise (2, as the authors' code).
        crop_border, quantize, print_per_image, pred_key: as for PSNR.
    """

    metric_name = 'VIF'

    def __init__(self, sigma_n_sq: float = 2.0, crop_border: int = 0,
                 print_per_image: bool = False, **kwargs) -> None:
        super().__init__(crop_border, print_per_image, **kwargs)
        self.sigma_n_sq = float(sigma_n_sq)

    def score(self, pred: np.ndarray, gt: np.ndarray) -> float:
        return vif_p(pred, gt, self.sigma_n_sq)


@METRICS.register_module()
class FSIM(_ImageMetric):
    """Mean FSIM of ``pred_img`` and ``gt_img`` (higher is better).

    Args:
        chromatic: ``False`` (default): FSIM on luminance; ``True``: FSIMc.
        crop_border, quantize, print_per_image, pred_key: as for PSNR.
    """

    metric_name = 'FSIM'

    def __init__(self, chromatic: bool = False, crop_border: int = 0,
                 print_per_image: bool = False, **kwargs) -> None:
        super().__init__(crop_border, print_per_image, **kwargs)
        self.chromatic = bool(chromatic)

    def score(self, pred: np.ndarray, gt: np.ndarray) -> float:
        return fsim(pred, gt, self.chromatic)
