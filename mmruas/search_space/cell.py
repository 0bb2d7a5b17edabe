"""The distillation cell (RUAS-CVPR §3.3, docs/method.md#distillation-cell), searchable or fixed.

With ``act`` = LeakyReLU(0.05) and operations o0..o6 on edges
``c1_d, c1_r, c2_d, c2_r, c3_d, c3_r, c4``::

    d1 = act(o0(x));   r1 = act(o1(x) + x)
    d2 = act(o2(r1));  r2 = act(o3(r1) + r1)
    d3 = act(o4(r2));  r3 = act(o5(r2) + r2)
    r4 = act(o6(r3))
    out = c5([d1, d2, d3, r4])          # 1x1 conv, 4C -> C

Searchable: every edge is a :class:`MixedOp` over ``candidates``. Fixed: every
edge is the genotype's operation; the module names match the released weights.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from .genotype import Genotype
from .mixed_op import MixedOp
from .operations import SCENE_OPS, build_op
from .unit import SearchableUnit

__all__ = ['DistillationCell', 'EDGE_NAMES']

EDGE_NAMES = ('c1_d', 'c1_r', 'c2_d', 'c2_r', 'c3_d', 'c3_r', 'c4')


class DistillationCell(SearchableUnit, nn.Module):
    """A searchable unit of seven edges (:data:`EDGE_NAMES`).

    Args:
        channels: width C (input and output channels).
        genotype: 7 op names (or anything :meth:`Genotype.coerce` takes) for a fixed
            cell; ``None`` for a searchable cell.
        candidates: the search space of a searchable cell (default: the scene set).
        negative_slope: LeakyReLU slope of ``act`` (0.05 in the released code).
    """

    def __init__(self, channels: int, genotype: Any = None,
                 candidates: Sequence[str] = SCENE_OPS, negative_slope: float = 0.05) -> None:
        super().__init__()
        self.channels = channels
        self.searchable = genotype is None
        if self.searchable:
            edges = [MixedOp(candidates, channels, channels) for _ in EDGE_NAMES]
        else:
            genotype = Genotype.coerce(genotype)
            if len(genotype) != len(EDGE_NAMES):
                raise ValueError(f'a distillation cell needs {len(EDGE_NAMES)} operations, '
                                 f'the genotype has {len(genotype)}: {genotype.to_list()}')
            edges = [build_op(op, channels, channels) for op in genotype]
        for name, edge in zip(EDGE_NAMES, edges):
            self.add_module(name, edge)
        self.act = nn.LeakyReLU(negative_slope)
        self.c5 = nn.Conv2d(4 * channels, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        act = self.act
        d1 = act(self.c1_d(x))
        r1 = act(self.c1_r(x) + x)
        d2 = act(self.c2_d(r1))
        r2 = act(self.c2_r(r1) + r1)
        d3 = act(self.c3_d(r2))
        r3 = act(self.c3_r(r2) + r2)
        r4 = act(self.c4(r3))
        return self.c5(torch.cat([d1, d2, d3, r4], dim=1))

    def edge_names(self) -> tuple[str, ...]:
        return EDGE_NAMES
