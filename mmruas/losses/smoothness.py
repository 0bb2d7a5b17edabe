"""Smoothness priors: relative total variation (Xu et al., SIGGRAPH Asia 2012) and TV.

RTV of an image S, per channel, with ∂ forward differences (zero at the far border)
and a Gaussian window g of scale σ::

    D_d(p) = Σ_q g(p,q)·|∂_d S(q)|,   L_d(p) = |Σ_q g(p,q)·∂_d S(q)|,   d ∈ {x, y}
    RTV(S) = mean_p [ D_x/(L_x + ε) + D_y/(L_y + ε) ]

(Xu et al. sum over pixels; we average so that the weight η does not depend on the
image size.) Flat regions and clean edges cost little, fine texture costs a lot.
TV is the anisotropic total variation ``mean|∂_x x| + mean|∂_y x|``.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

__all__ = ['gradients', 'gaussian_kernel1d', 'relative_total_variation', 'total_variation']


def gradients(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Forward differences along width and height, zero in the last column/row."""
    dx = F.pad(x[..., :, 1:] - x[..., :, :-1], (0, 1, 0, 0))
    dy = F.pad(x[..., 1:, :] - x[..., :-1, :], (0, 0, 0, 1))
    return dx, dy


def gaussian_kernel1d(sigma: float, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    radius = max(1, math.ceil(2 * sigma))
    coords = torch.arange(-radius, radius + 1, dtype=dtype, device=device)
    kernel = torch.exp(-coords ** 2 / (2 * sigma ** 2))
    return kernel / kernel.sum()


def _gaussian_filter(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian window, replicate padding, per channel."""
    b, c, h, w = x.shape
    k = gaussian_kernel1d(sigma, x.dtype, x.device)
    r = k.numel() // 2
    flat = x.reshape(b * c, 1, h, w)
    flat = F.conv2d(F.pad(flat, (r, r, 0, 0), mode='replicate'), k.view(1, 1, 1, -1))
    flat = F.conv2d(F.pad(flat, (0, 0, r, r), mode='replicate'), k.view(1, 1, -1, 1))
    return flat.reshape(b, c, h, w)


def relative_total_variation(x: torch.Tensor, sigma: float = 3.0,
                             eps: float = 1e-3) -> torch.Tensor:
    """Mean RTV of a B×C×H×W tensor (a scalar)."""
    dx, dy = gradients(x)
    total = x.new_zeros(())
    for d in (dx, dy):
        windowed_abs = _gaussian_filter(d.abs(), sigma)
        abs_windowed = _gaussian_filter(d, sigma).abs()
        total = total + (windowed_abs / (abs_windowed + eps)).mean()
    return total


def total_variation(x: torch.Tensor) -> torch.Tensor:
    """Anisotropic TV: ``mean|∂_x x| + mean|∂_y x|`` over valid differences."""
    return ((x[..., :, 1:] - x[..., :, :-1]).abs().mean()
            + (x[..., 1:, :] - x[..., :-1, :]).abs().mean())
