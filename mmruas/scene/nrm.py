"""Noise Removal Module (RUAS-CVPR §3.2): ``x = u − tail(cells(stem(u)))``.

The unrolled ``xⁿ⁺¹ = uᴷ − ∂ψ(xⁿ)`` with ∂ψ a chain of searched distillation
cells on a ``width``-channel feature (6 in the released weights); the output is not
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
    """

    def __init__(self, num_cells: int = 3, in_channels: int = 3, width: int = 6,
                 genotype: Any = 'NRM_LOL') -> None:
        super().__init__()
        self.stem = nn.Conv2d(in_channels, width, 3, padding=1)
        self.cells = nn.ModuleList(DistillationCell(width, genotype) for _ in range(num_cells))
        self.tail = nn.Conv2d(width, in_channels, 3, padding=1)

    def noise(self, u: torch.Tensor) -> torch.Tensor:
        feat = self.stem(u)
        for cell in self.cells:
            feat = cell(feat)
        return self.tail(feat)

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        return u - self.noise(u)
