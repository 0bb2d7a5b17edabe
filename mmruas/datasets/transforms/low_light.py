"""A physical low-light model for synthesising dark images from normal photographs.

In linear space (sRGB decoded with the standard transfer function):

    x_lin = srgb_to_linear(x) · k                      exposure scaling, k ~ U(k_min, k_max)
    z     = Poisson(x_lin · g) / g + N(0, σ_r²)          shot noise (gain g photo-electrons
                                                         per unit) and read noise σ_r
    y     = quantise(linear_to_srgb(clip(z, 0, 1)))     back to 8-bit sRGB

so that noise is signal-dependent, as in a real sensor (Foi et al. 2008; the shot/read
model of Brooks et al. 2019). ``synthesize_low_light`` is the function, and
:class:`LowLightSynthesis` the registered transform that keeps the original as ``gt_img``.
"""
from __future__ import annotations

import numpy as np

from ...registry import TRANSFORMS

try:  # mmcv's BaseTransform when available (it always is in the pinned stack)
    from mmcv.transforms import BaseTransform
except ImportError:  # pragma: no cover
    BaseTransform = object

__all__ = ['srgb_to_linear', 'linear_to_srgb', 'synthesize_low_light', 'LowLightSynthesis']


def srgb_to_linear(x: np.ndarray) -> np.ndarray:
    """IEC 61966-2-1 sRGB decoding, x in [0, 1]."""
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(x: np.ndarray) -> np.ndarray:
    """IEC 61966-2-1 sRGB encoding, x in [0, 1]."""
    x = np.clip(x, 0.0, 1.0)
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * np.power(x, 1 / 2.4) - 0.055)


def synthesize_low_light(img: np.ndarray, rng: np.random.Generator, exposure: float,
                         gain: float = 2000.0, read_noise: float = 2e-3) -> np.ndarray:
    """Darken an 8-bit image (any channel order) with the model above; returns uint8."""
    if img.dtype != np.uint8:
        raise TypeError(f'synthesize_low_light expects uint8, got {img.dtype}')
    lin = srgb_to_linear(img.astype(np.float64) / 255.0) * exposure
    if gain > 0:
        lin = rng.poisson(lin * gain) / gain
    if read_noise > 0:
        lin = lin + rng.normal(0.0, read_noise, size=lin.shape)
    out = linear_to_srgb(lin)
    return np.clip(np.round(out * 255.0), 0, 255).astype(np.uint8)


@TRANSFORMS.register_module()
class LowLightSynthesis(BaseTransform):
    """Replace ``img`` with its darkened version and keep the original as ``gt_img``.

    Args:
        exposure: (min, max) of the uniform exposure factor k.
        gain: photo-electrons per unit linear intensity (shot noise), 0 disables it.
        read_noise: standard deviation of the Gaussian read noise in linear units.
    """

    def __init__(self, exposure: tuple[float, float] = (0.03, 0.12), gain: float = 2000.0,
                 read_noise: float = 2e-3) -> None:
        if not 0 < exposure[0] <= exposure[1] <= 1:
            raise ValueError(f'exposure range must satisfy 0 < min <= max <= 1, got {exposure}')
        self.exposure, self.gain, self.read_noise = exposure, gain, read_noise

    def transform(self, results: dict) -> dict:
        rng = np.random.default_rng(np.random.randint(2 ** 31))  # seeded by mmengine
        k = rng.uniform(*self.exposure)
        results['gt_img'] = results['img']
        results['img'] = synthesize_low_light(results['img'], rng, k, self.gain,
                                              self.read_noise)
        return results
