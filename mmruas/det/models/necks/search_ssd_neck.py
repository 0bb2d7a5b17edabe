"""SSD neck with searchable extra layers (RUAS-TPAMI §4.1 and §7, docs/method.md#task-edges).

The structure is mmdet 3.3.0's ``SSDNeck``: L2Norm on the first source level, then one
extra level per ``level_strides`` entry, each a 1×1 reduce ``ConvModule`` (C → C'/2,
ReLU) followed by a *spatial* conv (C'/2 → C', 3×3 — ``last_kernel_size`` on the last
level — with the level's stride and padding, ReLU).

Which convs are searched: by default the spatial conv of every extra level, one edge
per level (SSD300: 4 edges, the length of the published ``DET_EXTRAS_DARKFACE``). These
are the convs that set the receptive field and resolution of the new levels; the 1×1
reduces only mix channels. Each searchable spatial conv is a mixed operation over
:data:`TASK_OPS` whose candidates are padded to the stock conv's output shape (stride 2 /
padding 1 and stride 1 / padding 0 levels alike; see :mod:`mmruas.search_space.task_edges`).
With ``search_reduce=True`` the 1×1 reduces are searched too, the genotype then lists
``[reduce_0, spatial_0, reduce_1, spatial_1, ...]``: that is the layout of the released
S3FD-style code, whose extras are two reduce + stride-2 pairs (docs/method.md#genotypes), so the
published four ops map one-to-one onto a two-level neck with ``search_reduce=True``.

``genotype=None`` makes the neck searchable (the neck itself is the searchable unit of
:func:`derive_genotypes`); a genotype (names, :class:`Genotype`, or a released name such
as ``'DET_EXTRAS_DARKFACE'``) fixes it. With all ``conv_3x3`` (and ``conv_1x1`` for the
reduces) it computes exactly what stock ``SSDNeck`` computes.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from mmcv.cnn import ConvModule, build_activation_layer, build_norm_layer
from mmdet.models.necks.ssd_neck import L2Norm
from mmdet.registry import MODELS
from mmengine.model import BaseModule
from torch import nn

from ....search_space.operations import TASK_OPS
from ....search_space.task_edges import coerce_genotype, task_edge
from ....search_space.unit import GenotypeConfigurable, SearchableUnit

__all__ = ['SearchSSDNeck', 'EdgeConvModule']

_RELU = dict(type='ReLU')
_NO_INPLACE = ('Tanh', 'PReLU', 'Sigmoid', 'HSigmoid', 'Swish', 'GELU')
_DEFAULT_INIT = [dict(type='Xavier', distribution='uniform', layer='Conv2d'),
                 dict(type='Constant', val=1, layer='BatchNorm2d')]


class EdgeConvModule(nn.Module):
    """``act(norm(edge(x)))``, the ``ConvModule`` of a task edge (``conv`` = the edge)."""

    def __init__(self, edge: nn.Module, out_channels: int, norm_cfg: dict | None,
                 act_cfg: dict | None) -> None:
        super().__init__()
        self.conv = edge
        self.norm = build_norm_layer(norm_cfg, out_channels)[1] if norm_cfg else None
        self.activate = None
        if act_cfg:
            act_cfg = dict(act_cfg)
            if act_cfg['type'] not in _NO_INPLACE:   # as mmcv's ConvModule
                act_cfg.setdefault('inplace', True)
            self.activate = build_activation_layer(act_cfg)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        if self.norm is not None:
            x = self.norm(x)
        return self.activate(x) if self.activate is not None else x


@MODELS.register_module()
class SearchSSDNeck(SearchableUnit, GenotypeConfigurable, BaseModule):
    """Args:
        in_channels, out_channels, level_strides, level_paddings, l2_norm_scale,
            last_kernel_size, conv_cfg, norm_cfg, act_cfg, init_cfg: as mmdet's ``SSDNeck``
            (``conv_cfg`` applies to the fixed 1×1 reduces only).
        genotype: ``None`` (searchable) or one op per searched conv (module doc).
        candidates: the search space (default: the high-level task set, Table 1).
        search_reduce: also search the 1×1 reduce convs (module doc).
    """

    def __init__(self, in_channels: Sequence[int], out_channels: Sequence[int],
                 level_strides: Sequence[int], level_paddings: Sequence[int],
                 l2_norm_scale: float | None = 20., last_kernel_size: int = 3,
                 genotype: Any = None, candidates: Sequence[str] = TASK_OPS,
                 search_reduce: bool = False, conv_cfg: dict | None = None,
                 norm_cfg: dict | None = None, act_cfg: dict | None = _RELU,
                 init_cfg: Any = _DEFAULT_INIT) -> None:
        BaseModule.__init__(self, init_cfg)
        in_channels, out_channels = tuple(in_channels), tuple(out_channels)
        if len(out_channels) <= len(in_channels):
            raise ValueError('out_channels must list more levels than in_channels')
        if len(out_channels) - len(in_channels) != len(level_strides):
            raise ValueError('one level_strides entry per extra level is needed')
        if len(level_strides) != len(level_paddings):
            raise ValueError('level_strides and level_paddings differ in length')
        if in_channels != out_channels[:len(in_channels)]:
            raise ValueError('out_channels must start with in_channels')
        num_levels = len(level_strides)
        self.search_reduce = search_reduce
        self.genotype = coerce_genotype(genotype, num_levels * (2 if search_reduce else 1),
                                        f'SearchSSDNeck (search_reduce={search_reduce})')
        self.searchable = self.genotype is None
        ops = iter(self.genotype) if self.genotype is not None else None

        if l2_norm_scale:
            self.l2_norm = L2Norm(in_channels[0], l2_norm_scale)
            self.init_cfg = list(self.init_cfg) + [
                dict(type='Constant', val=self.l2_norm.scale, override=dict(name='l2_norm'))]

        bias = norm_cfg is None
        self.extra_layers = nn.ModuleList()
        extra_channels = out_channels[len(in_channels):]
        for i, (c_out, stride, padding) in enumerate(
                zip(extra_channels, level_strides, level_paddings)):
            c_in, c_mid = out_channels[len(in_channels) - 1 + i], c_out // 2
            kernel = last_kernel_size if i == num_levels - 1 else 3
            if search_reduce:
                reduce = EdgeConvModule(
                    task_edge(next(ops) if ops else None, c_in, c_mid, 1, 1, 0, candidates,
                              bias), c_mid, norm_cfg, act_cfg)
            else:
                reduce = ConvModule(c_in, c_mid, 1, conv_cfg=conv_cfg, norm_cfg=norm_cfg,
                                    act_cfg=act_cfg)
            spatial = EdgeConvModule(
                task_edge(next(ops) if ops else None, c_mid, c_out, stride, kernel, padding,
                          candidates, bias), c_out, norm_cfg, act_cfg)
            self.extra_layers.append(nn.Sequential(reduce, spatial))

    def edge_names(self) -> tuple[str, ...]:
        """The searched convs in genotype order (module doc)."""
        names = []
        for i in range(len(self.extra_layers)):
            if self.search_reduce:
                names.append(f'extra_layers.{i}.0.conv')
            names.append(f'extra_layers.{i}.1.conv')
        return tuple(names)

    def genotype_units(self) -> dict[str, SearchableUnit]:
        """The neck is its own unit: ``genotype``."""
        return {'genotype': self}

    def forward(self, inputs: Sequence[torch.Tensor]) -> tuple[torch.Tensor, ...]:
        outs = list(inputs)
        if hasattr(self, 'l2_norm'):
            outs[0] = self.l2_norm(outs[0])
        feat = outs[-1]
        for layer in self.extra_layers:
            feat = layer(feat)
            outs.append(feat)
        return tuple(outs)
