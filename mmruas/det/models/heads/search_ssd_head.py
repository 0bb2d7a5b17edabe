"""SSD head with searchable per-level classification and box-regression convs
(RUAS-TPAMI §4.1 and §7, docs/method.md#task-edges).

mmdet 3.3.0's ``SSDHead`` predicts, per source level, class scores and box deltas with
one 3×3 conv each (``cls_convs[i]``, ``reg_convs[i]``). Here each of them is a task edge:
a mixed operation over :data:`TASK_OPS` (searchable) or one fixed operation, padded to
the 3×3 conv's output shape ('same'). ``reg_convs`` and ``cls_convs`` are two searchable
units (:class:`EdgeList`), so :func:`derive_genotypes` reports ``<head>.reg_convs`` and
``<head>.cls_convs`` with one op per level, the layout of the published
``DET_REG_DARKFACE`` / ``DET_CLS_DARKFACE`` (six levels).

Everything else (anchors, target assignment, hard-negative mining loss, predict) is
``SSDHead``'s, through :class:`SoftmaxSSDHead` (stock ``SSDHead`` cannot predict in mmdet
3.3.0).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mmdet.registry import MODELS

from ....search_space.operations import TASK_OPS
from ....search_space.task_edges import coerce_genotype, task_edge
from ....search_space.unit import EdgeList, GenotypeConfigurable, SearchableUnit
from .softmax_ssd_head import SoftmaxSSDHead

__all__ = ['SearchSSDHead']


@MODELS.register_module()
class SearchSSDHead(GenotypeConfigurable, SoftmaxSSDHead):
    """Args:
        reg_genotype: ``None`` (searchable) or one op per level for the box-regression convs.
        cls_genotype: ``None`` (searchable) or one op per level for the classification convs.
        candidates: the search space of searchable convs (default: the high-level task set).
        **kwargs: as mmdet's ``SSDHead`` (``stacked_convs`` must be 0 and
            ``use_depthwise`` False: the searched convs are the predictors themselves).
    """

    def __init__(self, *args, reg_genotype: Any = None, cls_genotype: Any = None,
                 candidates: Sequence[str] = TASK_OPS, **kwargs) -> None:
        if kwargs.get('stacked_convs', 0) or kwargs.get('use_depthwise', False):
            raise ValueError('SearchSSDHead searches the predictor convs themselves; '
                             'stacked_convs must be 0 and use_depthwise False')
        # read by _init_layers, which SSDHead.__init__ calls (mmdet's hook for building the
        # predictors; these two private attributes are this head's own)
        self._genotype_cfg = (reg_genotype, cls_genotype)
        self._candidates = tuple(candidates)
        super().__init__(*args, **kwargs)
        del self._genotype_cfg

    # Exception to "no private names of other libraries": mmdet's heads build their layers in
    # the private ``_init_layers`` their ``__init__`` calls; overriding it is the documented
    # way (mmdet's own subclasses do) to build other predictors.
    def _init_layers(self) -> None:
        """Per level: ``reg_convs[i]`` (C → A·4) and ``cls_convs[i]`` (C → A·(K+1))."""
        n = len(self.in_channels)
        if len(self.num_base_priors) != n:
            raise ValueError(f'{n} input levels but the anchor generator has '
                             f'{len(self.num_base_priors)}')
        reg_g = coerce_genotype(self._genotype_cfg[0], n, 'SearchSSDHead reg_genotype')
        cls_g = coerce_genotype(self._genotype_cfg[1], n, 'SearchSSDHead cls_genotype')
        self.reg_genotype, self.cls_genotype = reg_g, cls_g
        reg, cls = [], []
        for i, (c, a) in enumerate(zip(self.in_channels, self.num_base_priors)):
            reg.append(task_edge(reg_g[i] if reg_g else None, c, a * 4,
                                 candidates=self._candidates))
            cls.append(task_edge(cls_g[i] if cls_g else None, c, a * self.cls_out_channels,
                                 candidates=self._candidates))
        self.reg_convs = EdgeList(reg, searchable=reg_g is None)
        self.cls_convs = EdgeList(cls, searchable=cls_g is None)

    def genotype_units(self) -> dict[str, SearchableUnit]:
        """``reg_genotype`` builds ``reg_convs``, ``cls_genotype`` builds ``cls_convs``."""
        return {'reg_genotype': self.reg_convs, 'cls_genotype': self.cls_convs}
