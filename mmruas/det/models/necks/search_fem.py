"""S3FD / DSFD neck with searchable extras and Feature Enhance Module (FEM)
(DSFD: Li et al., CVPR 2019; RUAS-TPAMI §4.1/§7, docs/method.md#task-edges).

Input: the four VGG-16 sources of :class:`~mmruas.det.models.backbones.DSFDVGG` (conv3_3,
conv4_3, conv5_3, fc7 at strides 4, 8, 16, 32). Output: the six *original* source maps of
S3FD / DSFD (strides 4 … 128), and with ``with_fem`` also their six FEM-enhanced maps
(``original + enhanced``, the input of the dual-shot :class:`~mmruas.det.models.heads.DSFDHead`).

* **L2Norm** (S3FD): conv3_3, conv4_3 and conv5_3 are L2-normalised with learnt scales
  initialised to 10, 8 and 5 (``l2_norm_scales``), as their magnitudes differ from fc7's.
* **Extras**: two stages after fc7, each a 1×1 reduce (C → C'/2) then a 3×3 stride-2 conv
  (C'/2 → C'), ReLU after each: conv6_1/6_2 (512) and conv7_1/7_2 (256). Their four convs
  are one searchable unit ``extra_convs`` in the order ``[reduce_0, spatial_0, reduce_1,
  spatial_1]``, the layout of the released S3FD-style search (docs/method.md#genotypes), so the
  published ``DET_EXTRAS_DARKFACE`` maps one-to-one onto it.
* **FEM** (DSFD §3.1): each of the ``top_down_levels`` finest levels is combined with the
  next-coarser level by an element-wise product of two 1×1 convs, the coarser one
  bilinearly up-sampled: ``pᵢ = lat_i(xᵢ) ⊙ up(top_i(pᵢ₊₁))`` (top-down, each product
  feeds the next finer level); the other levels keep ``pᵢ = xᵢ``. The default 3 is the
  released DSFD's (conv5_3 ← fc7, conv4_3 ← conv5_3, conv3_3 ← conv4_3); 5 combines every
  level. ``pᵢ`` then passes through DSFD's dilated branches (C channels):
  ``a = relu(e0(p))`` (C/2), ``b = relu(e1(p))`` (C/2), ``c = relu(e2(b))`` (C/4),
  ``d = relu(e3(b))`` (C/4), ``e = relu(e4(d))`` (C/4); the enhanced map is
  ``cat(a, c, e)`` (C channels). DSFD's ops are ``e0..e4 = conv_3x3, dilconv_3x3 (3-2-DC),
  conv_3x3, dilconv_3x3, conv_3x3`` (:data:`DSFD_FEM`). In mmruas the five branch convs of
  every level are task edges over the high-level task set (Table 1): one searchable unit
  ``fem_convs`` of ``5 × levels`` ops, level-major; a genotype of five ops is used at
  every level. The 1×1 lat/top convs only mix channels and stay fixed. (DSFD's released
  branches are 256 / 128 / 128 channels wide whatever C; here C/2, C/4, C/4, so that the
  enhanced maps keep the channels of the original ones and both shots share them.)

Genotype ``None`` makes a unit searchable (:func:`~mmruas.search_space.derive_genotypes`
reports ``neck.extra_convs`` / ``neck.fem_convs``, config keys ``neck.extra_genotype`` /
``neck.fem_genotype``, declared by :meth:`SearchFEMNeck.genotype_units`).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from mmdet.models.necks.ssd_neck import L2Norm
from mmdet.registry import MODELS
from mmengine.model import BaseModule
from torch import nn

from ....search_space.genotype import Genotype
from ....search_space.operations import TASK_OPS
from ....search_space.task_edges import coerce_genotype, task_edge
from ....search_space.unit import EdgeList, GenotypeConfigurable, SearchableUnit

__all__ = ['SearchFEMNeck', 'DSFD_FEM', 'S3FD_EXTRAS']

#: DSFD's FEM branch convs e0..e4 (one level)
DSFD_FEM = ('conv_3x3', 'dilconv_3x3', 'conv_3x3', 'dilconv_3x3', 'conv_3x3')
#: S3FD / DSFD extras: (1×1 reduce, 3×3 stride-2) twice
S3FD_EXTRAS = ('conv_1x1', 'conv_3x3', 'conv_1x1', 'conv_3x3')
FEM_EDGES = len(DSFD_FEM)
_INIT = [dict(type='Xavier', distribution='uniform', layer='Conv2d')]


@MODELS.register_module()
class SearchFEMNeck(GenotypeConfigurable, BaseModule):
    """Args:
        in_channels: channels of the backbone sources (default DSFDVGG's 256, 512, 512, 1024).
        extra_channels: output channels of the extra stages (512, 256).
        l2_norm_scales: initial L2Norm scale per leading source level (``None``: none).
        extra_genotype: ``None`` (searchable) or the four extra-layer ops (module doc).
        with_fem: also return the FEM-enhanced maps (DSFD); ``False`` gives S3FD's neck.
        fem_genotype: ``None`` (searchable) or five ops per level (or five for all levels).
        top_down_levels: how many of the finest levels are multiplied with the up-sampled
            next-coarser level (module doc; DSFD: 3).
        candidates: the search space of searchable edges (the high-level task set).
        init_cfg: as ``BaseModule`` (Xavier-uniform convs by default).
    """

    def __init__(self, in_channels: Sequence[int] = (256, 512, 512, 1024),
                 extra_channels: Sequence[int] = (512, 256),
                 l2_norm_scales: Sequence[float | None] = (10., 8., 5.),
                 extra_genotype: Any = S3FD_EXTRAS, with_fem: bool = True,
                 fem_genotype: Any = DSFD_FEM, top_down_levels: int = 3,
                 candidates: Sequence[str] = TASK_OPS, init_cfg: Any = _INIT) -> None:
        super().__init__(init_cfg)
        self.in_channels = tuple(in_channels)
        self.out_channels = self.in_channels + tuple(extra_channels)
        if len(l2_norm_scales) > len(self.in_channels):
            raise ValueError(f'{len(l2_norm_scales)} l2_norm_scales for '
                             f'{len(self.in_channels)} input levels')
        self.l2_norms = nn.ModuleList()
        for c, scale in zip(self.in_channels, l2_norm_scales):
            norm = None
            if scale:
                norm = L2Norm(c, float(scale))
                nn.init.constant_(norm.weight, float(scale))   # mmdet leaves it uninitialised
            self.l2_norms.append(norm if norm is not None else nn.Identity())
        candidates = tuple(candidates)

        n_extra = 2 * len(extra_channels)
        self.extra_genotype = coerce_genotype(extra_genotype, n_extra, 'SearchFEMNeck extras')
        edges = []
        for i, c_out in enumerate(extra_channels):
            c_in, c_mid = self.out_channels[len(self.in_channels) - 1 + i], c_out // 2
            ops = self.extra_genotype[2 * i:2 * i + 2] if self.extra_genotype else (None, None)
            edges += [task_edge(ops[0], c_in, c_mid, 1, 1, 0, candidates),
                      task_edge(ops[1], c_mid, c_out, 2, 3, 1, candidates)]
        self.extra_convs = EdgeList(edges, searchable=self.extra_genotype is None)

        self.with_fem = bool(with_fem)
        self.fem_genotype = None
        if not self.with_fem:
            return
        levels = len(self.out_channels)
        if any(c % 4 for c in self.out_channels):
            raise ValueError(f'FEM splits each level into C/2 + C/4 + C/4 channels; '
                             f'channels {self.out_channels} must be multiples of 4')
        if fem_genotype is not None and len(Genotype.coerce(fem_genotype)) == FEM_EDGES:
            fem_genotype = Genotype.coerce(fem_genotype).to_list() * levels
        self.fem_genotype = coerce_genotype(fem_genotype, FEM_EDGES * levels,
                                            f'SearchFEMNeck FEM ({levels} levels x 5 convs)')
        if not 0 <= top_down_levels < levels:
            raise ValueError(f'top_down_levels must be in 0..{levels - 1}, got '
                             f'{top_down_levels}')
        self.top_down_levels = int(top_down_levels)
        chans = self.out_channels[:self.top_down_levels + 1]
        self.lat_convs = nn.ModuleList(nn.Conv2d(c, c, 1) for c in chans[:-1])
        self.top_convs = nn.ModuleList(nn.Conv2d(c_up, c, 1)
                                       for c, c_up in zip(chans[:-1], chans[1:]))
        edges = []
        for i, c in enumerate(self.out_channels):
            g = (self.fem_genotype[FEM_EDGES * i:FEM_EDGES * (i + 1)] if self.fem_genotype
                 else (None,) * FEM_EDGES)
            shapes = ((c, c // 2), (c, c // 2), (c // 2, c // 4), (c // 2, c // 4),
                      (c // 4, c // 4))
            edges += [task_edge(op, ci, co, candidates=candidates)
                      for op, (ci, co) in zip(g, shapes)]
        self.fem_convs = EdgeList(edges, searchable=self.fem_genotype is None)

    def genotype_units(self) -> dict[str, SearchableUnit]:
        """``extra_genotype`` builds ``extra_convs``; ``fem_genotype`` ``fem_convs``."""
        units: dict[str, SearchableUnit] = {'extra_genotype': self.extra_convs}
        if self.with_fem:
            units['fem_genotype'] = self.fem_convs
        return units

    def _fem(self, p: torch.Tensor, level: int) -> torch.Tensor:
        """DSFD's dilated branches of one level, concatenated (module doc)."""
        e = [self.fem_convs[FEM_EDGES * level + j] for j in range(FEM_EDGES)]
        a = F.relu(e[0](p))
        b = F.relu(e[1](p))
        c = F.relu(e[2](b))
        d = F.relu(e[3](b))
        return torch.cat([a, c, F.relu(e[4](d))], dim=1)

    def forward(self, inputs: Sequence[torch.Tensor]) -> tuple[torch.Tensor, ...]:
        """The six source maps, then (``with_fem``) their six enhanced maps."""
        if len(inputs) != len(self.in_channels):
            raise ValueError(f'SearchFEMNeck expects {len(self.in_channels)} backbone maps, '
                             f'got {len(inputs)}')
        outs = [norm(x) for norm, x in zip(self.l2_norms, inputs)]
        outs += list(inputs[len(self.l2_norms):])
        feat = outs[-1]
        for i in range(0, len(self.extra_convs), 2):
            feat = F.relu(self.extra_convs[i + 1](F.relu(self.extra_convs[i](feat))))
            outs.append(feat)
        if not self.with_fem:
            return tuple(outs)
        combined = list(outs)
        for i in range(self.top_down_levels - 1, -1, -1):
            up = F.interpolate(self.top_convs[i](combined[i + 1]), size=outs[i].shape[-2:],
                               mode='bilinear', align_corners=False)
            combined[i] = self.lat_convs[i](outs[i]) * up
        return tuple(outs) + tuple(self._fem(p, i) for i, p in enumerate(combined))
