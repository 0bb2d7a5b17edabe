"""Searchable edges of high-level task modules (RUAS-TPAMI §4.1, docs/method.md#task-edges).

A task edge replaces one convolution of a detector's neck or head: searchable, it is a
mixed operation over the task set :data:`TASK_OPS` (plain and dilated convolutions,
channels and stride may change); fixed, it is one of those operations.

Every candidate must give the *same output shape as the convolution it replaces*
(reference kernel ``k_ref``, padding ``p_ref``, stride ``s``). A candidate of kernel ``k``
and dilation ``d`` therefore gets the total padding ``T = 2·p_ref + d·(k−1) − (k_ref−1)``
per axis: ``⌊T/2⌋`` before and the rest after, so that
``⌊(H + T − d(k−1) − 1)/s⌋ + 1 = ⌊(H + 2p_ref − k_ref)/s⌋ + 1`` for every ``H``. For a
'same' reference (``p_ref = (k_ref−1)/2``) this is the usual 'same' padding; for SSD's
last extra levels (3×3, padding 0) a 1×1 candidate gets ``T = −2``, i.e. the border is
cropped (the centre tap of the 3×3 window), and a 7×7 candidate ``T = 4``.

A module made of task edges is a searchable unit
(:class:`~mmruas.search_space.unit.SearchableUnit`; :class:`~mmruas.search_space.unit.EdgeList`
is the plain list form used by heads).
"""
from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .genotype import Genotype
from .mixed_op import MixedOp
from .operations import TASK_OPS, ConvOp, build_op, resolve_op_name

__all__ = ['conv_geometry', 'FittedConvOp', 'FittedMixedOp', 'task_edge', 'coerce_genotype']


@functools.cache
def conv_geometry(name: str) -> tuple[int, int]:
    """``(kernel size, dilation)`` of a plain (non-residual) convolution operation."""
    name = resolve_op_name(name)
    with torch.random.fork_rng(devices=[]):   # building must not consume the global RNG
        op = build_op(name, 1, 1)
    if not isinstance(op, ConvOp) or op.residual:
        raise ValueError(f'{name!r} is not a plain convolution; task edges take plain and '
                         'dilated convolutions only (RUAS-TPAMI Table I, high-level task set)')
    return op.op.kernel_size[0], op.op.dilation[0]


class FittedConvOp(nn.Module):
    """One task operation padded to the output shape of a reference conv (module doc).

    Args:
        name: operation name or abbreviation (a plain/dilated conv of Table 1).
        in_channels, out_channels, stride, bias: of the convolution.
        ref_kernel, ref_padding: the replaced conv (padding ``None``: 'same', (k−1)/2).
    """

    def __init__(self, name: str, in_channels: int, out_channels: int, stride: int = 1,
                 ref_kernel: int = 3, ref_padding: int | None = None,
                 bias: bool = True) -> None:
        super().__init__()
        k, d = conv_geometry(name)
        if ref_padding is None:
            ref_padding = (ref_kernel - 1) // 2
        total = 2 * ref_padding + d * (k - 1) - (ref_kernel - 1)
        lo, hi = total // 2, total - total // 2
        self.pad: tuple[int, int, int, int] | None = None
        if lo != hi or lo < 0:      # asymmetric padding or a crop: done before the conv
            self.pad, lo = (lo, hi, lo, hi), 0
        self.op = nn.Conv2d(in_channels, out_channels, k, stride=stride, padding=lo,
                            dilation=d, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.pad is not None:
            x = F.pad(x, self.pad)   # negative entries crop
        return self.op(x)


class FittedMixedOp(MixedOp):
    """:class:`MixedOp` whose candidates are :class:`FittedConvOp` (same output shape)."""

    def __init__(self, candidates: Sequence[str], in_channels: int, out_channels: int,
                 stride: int = 1, ref_kernel: int = 3, ref_padding: int | None = None,
                 bias: bool = True, alpha_init_std: float = 1e-3) -> None:
        def fitted(name: str) -> nn.Module:
            return FittedConvOp(name, in_channels, out_channels, stride, ref_kernel,
                                ref_padding, bias)
        super().__init__(candidates, in_channels, out_channels, stride, bias, alpha_init_std,
                         op_factory=fitted)


def task_edge(op: str | None, in_channels: int, out_channels: int, stride: int = 1,
              ref_kernel: int = 3, ref_padding: int | None = None,
              candidates: Sequence[str] = TASK_OPS, bias: bool = True) -> nn.Module:
    """A searchable edge (``op=None``: mixed over ``candidates``) or the fixed op ``op``."""
    if op is None:
        return FittedMixedOp(candidates, in_channels, out_channels, stride, ref_kernel,
                             ref_padding, bias)
    return FittedConvOp(op, in_channels, out_channels, stride, ref_kernel, ref_padding, bias)


def coerce_genotype(genotype: Any, num_edges: int, what: str) -> Genotype | None:
    """``None`` (searchable) or a :class:`Genotype` of exactly ``num_edges`` operations."""
    if genotype is None:
        return None
    genotype = Genotype.coerce(genotype)
    if len(genotype) != num_edges:
        raise ValueError(f'{what} needs {num_edges} operations, the genotype has '
                         f'{len(genotype)}: {genotype.to_list()}')
    return genotype
