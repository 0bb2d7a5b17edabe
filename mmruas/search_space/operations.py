"""Candidate operations of RUAS-TPAMI Table I.

Two sets share one factory table :data:`OPS`:

* the scene (and low-level task) set :data:`SCENE_OPS` used inside the distillation
  cell: plain, residual and dilated convolutions and the identity, all C -> C;
* the high-level task set :data:`TASK_OPS` (detection neck/head, segmentation
  feature conversion): plain and dilated convolutions only, channels and stride may
  change, no residual and no skip.

Each conv operation keeps its convolution as attribute ``op`` so that the released
weights' keys (``<edge>.op.weight``) load unchanged.
"""
from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

__all__ = ['OPS', 'SCENE_OPS', 'TASK_OPS', 'ABBREVIATIONS', 'ConvOp', 'build_op']


class ConvOp(nn.Module):
    """``conv(x)`` or, if ``residual``, ``conv(x) + x``; 'same' padding (k-1)/2*dilation."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int,
                 dilation: int = 1, stride: int = 1, residual: bool = False,
                 bias: bool = True) -> None:
        super().__init__()
        if residual and (in_channels != out_channels or stride != 1):
            raise ValueError('residual operations need in_channels == out_channels and '
                             f'stride 1, got {in_channels}->{out_channels}, stride {stride}')
        self.residual = residual
        padding = (kernel_size - 1) // 2 * dilation
        self.op = nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride,
                            padding=padding, dilation=dilation, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.op(x)
        return out + x if self.residual else out


class SkipConnect(nn.Identity):
    """Identity (SC); only valid for C -> C, stride 1."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1,
                 bias: bool = True) -> None:
        if in_channels != out_channels or stride != 1:
            raise ValueError('skip_connect needs in_channels == out_channels and stride 1')
        super().__init__()


def _conv(k: int, dilation: int = 1, residual: bool = False) -> Callable[..., nn.Module]:
    def make(c_in: int, c_out: int, stride: int = 1, bias: bool = True) -> nn.Module:
        return ConvOp(c_in, c_out, k, dilation, stride, residual, bias)
    return make


#: name -> factory(in_channels, out_channels, stride=1, bias=True)
OPS: dict[str, Callable[..., nn.Module]] = {
    'conv_1x1': _conv(1),
    'conv_3x3': _conv(3),
    'conv_5x5': _conv(5),
    'conv_7x7': _conv(7),
    'resconv_1x1': _conv(1, residual=True),
    'resconv_3x3': _conv(3, residual=True),
    'dilconv_3x3': _conv(3, 2),
    'dilconv_5x5': _conv(5, 2),
    'dilconv_7x7': _conv(7, 2),
    'resdilconv_3x3': _conv(3, 2, residual=True),
    'dilconv_3x3_d6': _conv(3, 6),
    'dilconv_3x3_d12': _conv(3, 12),
    'dilconv_3x3_d18': _conv(3, 18),
    'skip_connect': SkipConnect,
}

#: the paper's abbreviations (Table 1) -> readable names
ABBREVIATIONS: dict[str, str] = {
    '1-C': 'conv_1x1', '3-C': 'conv_3x3', '5-C': 'conv_5x5', '7-C': 'conv_7x7',
    '1-RC': 'resconv_1x1', '3-RC': 'resconv_3x3',
    '3-2-DC': 'dilconv_3x3', '5-2-DC': 'dilconv_5x5', '7-2-DC': 'dilconv_7x7',
    '3-2-RDC': 'resdilconv_3x3',
    '3-6-DC': 'dilconv_3x3_d6', '3-12-DC': 'dilconv_3x3_d12', '3-18-DC': 'dilconv_3x3_d18',
    'SC': 'skip_connect',
}

#: scene / low-level task space (distillation cell edges)
SCENE_OPS: tuple[str, ...] = ('conv_1x1', 'conv_3x3', 'resconv_1x1', 'resconv_3x3',
                              'dilconv_3x3', 'resdilconv_3x3', 'skip_connect')
#: high-level task space (detection neck/head, segmentation feature conversion)
TASK_OPS: tuple[str, ...] = ('conv_1x1', 'conv_3x3', 'conv_5x5', 'conv_7x7', 'dilconv_3x3',
                             'dilconv_5x5', 'dilconv_7x7', 'dilconv_3x3_d6',
                             'dilconv_3x3_d12', 'dilconv_3x3_d18')

SPACES: dict[str, tuple[str, ...]] = {'scene': SCENE_OPS, 'task': TASK_OPS}


def resolve_op_name(name: str) -> str:
    """Accept a readable name or the paper's abbreviation; raise on anything else."""
    name = ABBREVIATIONS.get(name, name)
    if name not in OPS:
        raise KeyError(f'unknown operation {name!r}; known: {", ".join(OPS)} '
                       f'(or abbreviations {", ".join(ABBREVIATIONS)})')
    return name


def build_op(name: str, in_channels: int, out_channels: int, stride: int = 1,
             bias: bool = True) -> nn.Module:
    """Build one discrete operation by readable name or abbreviation."""
    return OPS[resolve_op_name(name)](in_channels, out_channels, stride=stride, bias=bias)
