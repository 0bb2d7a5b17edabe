"""Dual-shot head with Progressive Anchor Loss (DSFD: Li et al., CVPR 2019, §3.2-3.3;
docs/method.md#downstream-tasks), built from mmruas's searchable SSD head.

DSFD predicts twice from the same six levels: a *first shot* on the original source maps
and a *second shot* on the FEM-enhanced maps (:class:`~mmruas.det.models.necks.SearchFEMNeck`
returns ``original + enhanced``, twelve maps). Progressive Anchor Loss: the first shot's
anchors are half the size of the second shot's at every level, and the training loss is
``L = L_second + λ·L_first`` (λ = ``first_shot_weight``), each an SSD multibox loss
(cross entropy with 3:1 hard-negative mining, smooth-L1 boxes); the first-shot terms are
logged as ``loss_cls_first`` / ``loss_bbox_first``. Inference (``predict``, ``forward``)
uses the second shot only.

The second shot is this head itself, a :class:`SearchSSDHead` (its ``reg_convs`` /
``cls_convs`` are searchable units, as in the searched SSD); the first shot is a
:class:`SearchSSDHead` in ``self.first_shot`` with the same arguments except the anchors
(halved ``base_sizes``) and its convs (fixed ``conv_3x3`` as DSFD's, by default; it is a
training-time auxiliary, so searching it would not change the inference architecture).
Face anchors: one aspect ratio (DSFD: 1.5 height : width, mmdet's ``ratios`` are h/w)
and stride-matched sizes, second shot 16…512 at strides 4…128.
"""
from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from mmdet.registry import MODELS
from torch import Tensor

from .search_ssd_head import SearchSSDHead

__all__ = ['DSFDHead', 'half_size_anchors']


def half_size_anchors(anchor_generator: dict) -> dict:
    """The first shot's anchor config: ``base_sizes`` of ``anchor_generator`` halved."""
    cfg = copy.deepcopy(dict(anchor_generator))
    if 'base_sizes' not in cfg:
        raise ValueError('DSFDHead derives the first-shot anchors by halving the second '
                         "shot's base_sizes; give anchor_generator.base_sizes or "
                         'first_shot.anchor_generator')
    cfg['base_sizes'] = [s / 2 for s in cfg['base_sizes']]
    return cfg


@MODELS.register_module()
class DSFDHead(SearchSSDHead):
    """Args:
        first_shot: overrides of the first shot's ``SearchSSDHead`` arguments (default:
            this head's arguments with halved ``base_sizes`` and ``conv_3x3`` convs).
        first_shot_weight: λ of the Progressive Anchor Loss (default 1).
        **kwargs: ``SearchSSDHead`` arguments of the second shot (``in_channels``,
            ``num_classes``, ``anchor_generator``, ``reg_genotype``, ``cls_genotype``, ...).
    """

    def __init__(self, first_shot: dict | None = None, first_shot_weight: float = 1.0,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if first_shot_weight < 0:
            raise ValueError(f'first_shot_weight must be >= 0, got {first_shot_weight}')
        self.first_shot_weight = float(first_shot_weight)
        levels = len(self.in_channels)
        cfg = dict(kwargs, reg_genotype=['conv_3x3'] * levels,
                   cls_genotype=['conv_3x3'] * levels)
        cfg['anchor_generator'] = half_size_anchors(kwargs['anchor_generator'])
        cfg.update(first_shot or {})
        self.first_shot = SearchSSDHead(**cfg)
        if len(self.first_shot.in_channels) != levels:
            raise ValueError('DSFDHead: the two shots need the same number of levels')

    def _split(self, x: Sequence[Tensor]) -> tuple[Sequence[Tensor], Sequence[Tensor]]:
        """``(original maps, enhanced maps)`` of the neck's ``2 × levels`` outputs."""
        n = len(self.in_channels)
        if len(x) != 2 * n:
            raise ValueError(f'DSFDHead expects {2 * n} maps (the neck with_fem: {n} original '
                             f'+ {n} enhanced), got {len(x)}')
        return x[:n], x[n:]

    def forward(self, x: Sequence[Tensor]) -> tuple[list[Tensor], list[Tensor]]:
        """Second-shot scores and box deltas, from the enhanced maps (``2 × levels`` maps
        from the neck, or the ``levels`` enhanced maps alone)."""
        if len(x) != len(self.in_channels):
            x = self._split(x)[1]
        return super().forward(x)

    def loss(self, x: Sequence[Tensor], batch_data_samples: list) -> dict:
        """Progressive Anchor Loss: the second shot's losses plus λ × the first shot's."""
        original, enhanced = self._split(x)
        losses = super().loss(enhanced, batch_data_samples)
        first = self.first_shot.loss(original, batch_data_samples)
        w = self.first_shot_weight
        for k, v in first.items():
            losses[f'{k}_first'] = [w * t for t in v] if isinstance(v, list) else w * v
        return losses

    def predict(self, x: Sequence[Tensor], batch_data_samples: list,
                rescale: bool = False) -> list:
        """Detections of the second shot only (DSFD's inference)."""
        if len(x) != len(self.in_channels):
            x = self._split(x)[1]
        return super().predict(x, batch_data_samples, rescale=rescale)
