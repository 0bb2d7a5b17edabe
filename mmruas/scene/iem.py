"""Illumination Estimation Module: the unrolled scene module (RUAS-TPAMI §3, eq. 3-4).

For K stages, with y the low-light input and ``maxΩ`` the 2x2 top-left-anchored
per-channel maximum (zeros outside the image)::

    t̂⁰ = maxΩ(y);   t̂ᵏ = maxΩ(uᵏ) − γ·(uᵏ − y)   (k ≥ 1, residual rectification)
    tᵏ⁺¹ = clamp(sigmoid(cell(t̂ᵏ)), 1e-4, 1);    uᵏ⁺¹ = clamp(y / tᵏ⁺¹, 0, 1)
"""
from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ..registry import MODELS
from ..search_space import DistillationCell

__all__ = ['IEM', 'IEMStage', 'max_omega']


def max_omega(x: torch.Tensor) -> torch.Tensor:
    """Per-channel max over each pixel, its right, lower and lower-right neighbours."""
    x = F.pad(x, (0, 1, 0, 1))  # zeros on the right and bottom only
    x = torch.maximum(x[:, :, :-1, :], x[:, :, 1:, :])
    return torch.maximum(x[:, :, :, :-1], x[:, :, :, 1:])


class IEMStage(nn.Module):
    """One unrolled stage: t̂ -> t = clamp(sigmoid(cell(t̂))), u = clamp(y / t).

    ``width`` other than the image channels adds 1x1 projections around the cell.
    """

    def __init__(self, cell: nn.Module, in_channels: int = 3, width: int = 3,
                 t_min: float = 1e-4) -> None:
        super().__init__()
        self.cell = cell
        self.t_min = t_min
        self.proj_in = nn.Conv2d(in_channels, width, 1) if width != in_channels else None
        self.proj_out = nn.Conv2d(width, in_channels, 1) if width != in_channels else None

    def forward(self, t_hat: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        feat = t_hat if self.proj_in is None else self.proj_in(t_hat)
        feat = self.cell(feat)
        feat = feat if self.proj_out is None else self.proj_out(feat)
        t = torch.clamp(torch.sigmoid(feat), self.t_min, 1.0)
        u = torch.clamp(y / t, 0.0, 1.0)
        return u, t


@MODELS.register_module()
class IEM(nn.Module):
    """K unrolled stages with warm start and residual rectification.

    Args:
        num_stages: K (3 in the papers).
        gamma: rectification weight γ (0.5 in the released code).
        width: cell width C (3: the cell acts on t̂ directly).
        genotype: the cell's 7 ops, or ``None`` for searchable cells.
        share_cells: one cell for all stages instead of one per stage.
    Returns from ``forward(y)``: ``(us, ts, t_hats)``, lists of every stage's u, t and
    warm start t̂ᵏ (``t_hats[0]`` = t̂⁰ = maxΩ(y)).
    """

    def __init__(self, num_stages: int = 3, gamma: float = 0.5, in_channels: int = 3,
                 width: int = 3, genotype: Any = 'IEM_LOL', share_cells: bool = False) -> None:
        super().__init__()
        if num_stages < 1:
            raise ValueError(f'IEM needs num_stages >= 1, got {num_stages}')
        if not 0 < gamma <= 1:
            raise ValueError(f'IEM needs 0 < gamma <= 1, got {gamma}')
        self.gamma = gamma
        shared = DistillationCell(width, genotype) if share_cells else None
        self.stages = nn.ModuleList(
            IEMStage(shared or DistillationCell(width, genotype), in_channels, width)
            for _ in range(num_stages))

    def forward(self, y: torch.Tensor) -> tuple[list[torch.Tensor], list[torch.Tensor],
                                                 list[torch.Tensor]]:
        us, ts, t_hats = [], [], []
        for k, stage in enumerate(self.stages):
            if k == 0:
                t_hat = max_omega(y)
            else:
                u = us[-1]
                t_hat = max_omega(u) - self.gamma * (u - y)
            u, t = stage(t_hat, y)
            us.append(u)
            ts.append(t)
            t_hats.append(t_hat)
        return us, ts, t_hats
