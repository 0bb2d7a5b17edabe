"""Noise Removal Module (RUAS-CVPR §3.2, eq. 3): ``xⁿ⁺¹ = uᴷ − ∂ψ(xⁿ)``, ``x⁰ = uᴷ``.

∂ψ = ``tail(cells(stem(x)))``, a chain of searched distillation cells on a
``width``-channel feature (6 in the released weights). ``num_steps`` = N unrolled steps
with the one prior ∂ψ (the same weights every step, as eq. 3 unrolls one prior's
gradient); N = 1 (default) is the released model, ``x = uᴷ − ∂ψ(uᴷ)``. The output is not
clamped (as in the released code), so it may leave [0, 1] slightly.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ..registry import MODELS
from ..search_space import DistillationCell

__all__ = ['NRM']


@MODELS.register_module()
class NRM(nn.Module):
    """Args:
        num_cells: cells in sequence between stem and tail (3 released).
        width: feature width (6 released).
        genotype: cell ops, or ``None`` for searchable cells.
        num_steps: N, unrolled steps of eq. 3 (1 released).
    """

    def __init__(self, num_cells: int = 3, in_channels: int = 3, width: int = 6,
                 genotype: Any = 'NRM_LOL', num_steps: int = 1) -> None:
        super().__init__()
        if int(num_steps) < 1:
            raise ValueError(f'NRM needs num_steps >= 1, got {num_steps}')
        self.num_steps = int(num_steps)
        self.stem = nn.Conv2d(in_channels, width, 3, padding=1)
        self.cells = nn.ModuleList(DistillationCell(width, genotype) for _ in range(num_cells))
        self.tail = nn.Conv2d(width, in_channels, 3, padding=1)

    def noise(self, u: torch.Tensor) -> torch.Tensor:
        feat = self.stem(u)
        for cell in self.cells:
            feat = cell(feat)
        return self.tail(feat)

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        x = u
        for _ in range(self.num_steps):
            x = u - self.noise(x)
        return x
