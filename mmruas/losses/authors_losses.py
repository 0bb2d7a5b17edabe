"""The losses of the RUAS-CVPR authors' *training script* (not the papers' ℓs).

The authors' unsupervised training (``train.py`` of the CVPR 2021 release) optimises

* the IEM on ``½·mean((tᴷ − y)²) + S(tᴷ)`` — the last stage's illumination against the
  input, as ℓs (RUAS-TPAMI eq. 5), but with a different smoothness term ``S``;
* the NRM on ``1e-7·mean((x − uᴷ)²) + TV₂(x)`` with squared differences
  ``TV₂(x) = 2·(Σ(Δ_h x)²/(C(H−1)W) + Σ(Δ_w x)²/(CH(W−1)))/B``.

``S`` over the 12 offsets o ∈ :data:`OFFSETS`, each counted twice (both directions)::

    S(t) = Σ_o 2 · mean(w_o) · mean|Δ_o t|,   w_o = exp(c · Σ_channels (Δ_o Y)²)

with Y the input in YCbCr. ``smoothness='code'`` (default for :class:`AuthorsIEMLoss`)
computes it exactly as the script does, defects included: ``c = -1.0 / 2 * σ * σ`` with
σ = 0.1 evaluates to −0.005 (not −1/(2σ²) = −50), and the colour conversion multiplies
rows of three *consecutive memory values* of the C×H×W tensor by the matrix, not per-pixel
RGB — so ``w_o ∈ [0.985, 1]`` and S is in effect an L1 total variation over 1- and
2-pixel neighbours. ``smoothness='intended'`` is the edge-aware term the code was meant to
be: per-pixel ``w_o = exp(−‖Δ_o YCbCr(y)‖² / 2σ²)`` multiplying ``|Δ_o t|`` pixel by pixel.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ..registry import MODELS

__all__ = ['OFFSETS', 'authors_smoothness', 'squared_tv', 'AuthorsIEMLoss', 'AuthorsNRMLoss']

#: (dy, dx) neighbour offsets of the authors' smoothness term
OFFSETS = ((1, 0), (0, 1), (1, 1), (1, -1), (2, 0), (0, 2), (2, 1), (2, -1), (1, 2), (1, -2),
           (2, 2), (2, -2))
#: RGB rows → YCbCr (right-multiplied) and offset, as in the authors' script
_YCBCR = ((0.257, -0.148, 0.439), (0.564, -0.291, -0.368), (0.098, 0.439, -0.071))
_YCBCR_BIAS = (16 / 255, 128 / 255, 128 / 255)
SMOOTHNESS_MODES = ('code', 'intended')


def _pair(x: torch.Tensor, dy: int, dx: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``(x(p), x(p + o))`` over the pixels p where both exist."""
    h, w = x.shape[-2:]
    y0, y1 = max(0, -dy), h - max(0, dy)
    x0, x1 = max(0, -dx), w - max(0, dx)
    return x[..., y0:y1, x0:x1], x[..., y0 + dy:y1 + dy, x0 + dx:x1 + dx]


def _ycbcr(y: torch.Tensor, mode: str) -> torch.Tensor:
    mat = y.new_tensor(_YCBCR)
    bias = y.new_tensor(_YCBCR_BIAS)
    if mode == 'code':   # rows of three consecutive memory values (the script's reshape)
        return (y.contiguous().view(-1, 3) @ mat + bias).view(y.shape)
    return (y.permute(0, 2, 3, 1) @ mat + bias).permute(0, 3, 1, 2)


def authors_smoothness(t: torch.Tensor, y: torch.Tensor, mode: str = 'code',
                       sigma: float = 0.1) -> torch.Tensor:
    """The authors' smoothness term S(t) guided by the input y (module doc)."""
    if mode not in SMOOTHNESS_MODES:
        raise ValueError(f'smoothness must be one of {SMOOTHNESS_MODES}, got {mode!r}')
    if y.shape[1] != 3:
        raise ValueError(f'the authors\' smoothness term needs a 3-channel input, got '
                         f'{y.shape[1]} channels')
    guide = _ycbcr(y, mode)
    # the script writes -1.0 / 2 * sigma * sigma, i.e. -sigma²/2
    coef = -1.0 / 2 * sigma * sigma if mode == 'code' else -1.0 / (2 * sigma * sigma)
    total = t.new_zeros(())
    for dy, dx in OFFSETS:
        g0, g1 = _pair(guide, dy, dx)
        t0, t1 = _pair(t, dy, dx)
        w = torch.exp(coef * (g1 - g0).pow(2).sum(dim=1, keepdim=True))
        if mode == 'code':
            term = w.mean() * (t1 - t0).abs().mean()
        else:
            term = (w * (t1 - t0).abs()).mean()
        total = total + 2 * term   # both directions give the same term
    return total


def squared_tv(x: torch.Tensor) -> torch.Tensor:
    """``TV₂(x) = 2·(Σ(Δ_h x)²/(C(H−1)W) + Σ(Δ_w x)²/(CH(W−1)))/B`` (the script's TV)."""
    b, c, h, w = x.shape
    dh = (x[:, :, 1:, :] - x[:, :, :-1, :]).pow(2).sum() / (c * (h - 1) * w)
    dw = (x[:, :, :, 1:] - x[:, :, :, :-1]).pow(2).sum() / (c * h * (w - 1))
    return 2 * (dh + dw) / b


@MODELS.register_module()
class AuthorsIEMLoss(nn.Module):
    """``fidelity_weight·mean((tᴷ − y)²) + S(tᴷ)`` (module doc); ``forward(t, y)``.

    Args:
        smoothness: ``'code'`` (the script's computation) or ``'intended'`` (edge-aware).
        sigma: σ of the guidance weight (0.1 in the script).
        fidelity_weight: ½ in the script.
    """

    def __init__(self, smoothness: str = 'code', sigma: float = 0.1,
                 fidelity_weight: float = 0.5, loss_weight: float = 1.0) -> None:
        super().__init__()
        if smoothness not in SMOOTHNESS_MODES:
            raise ValueError(f'smoothness must be one of {SMOOTHNESS_MODES}, '
                             f'got {smoothness!r}')
        self.smoothness, self.sigma = smoothness, sigma
        self.fidelity_weight, self.loss_weight = fidelity_weight, loss_weight

    def forward(self, t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        fidelity = (t - y).pow(2).mean()
        smooth = authors_smoothness(t, y, self.smoothness, self.sigma)
        return self.loss_weight * (self.fidelity_weight * fidelity + smooth)

    def scene_loss_of_stages(self, ts: Sequence[torch.Tensor], t_hats: Sequence[torch.Tensor],
                   y: torch.Tensor) -> torch.Tensor:
        return self(ts[-1], y)


@MODELS.register_module()
class AuthorsNRMLoss(nn.Module):
    """``fidelity_weight·mean((x − uᴷ)²) + TV₂(x)`` (1e-7 in the script; uᴷ detached)."""

    def __init__(self, fidelity_weight: float = 1e-7, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.fidelity_weight, self.loss_weight = fidelity_weight, loss_weight

    def forward(self, x: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
        fidelity = (x - u.detach()).pow(2).mean()
        return self.loss_weight * (self.fidelity_weight * fidelity + squared_tv(x))
