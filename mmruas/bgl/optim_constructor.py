"""Optimiser wrappers of BGL: ``upper`` (the block's ω) and ``lower`` (the task's θ).

``optim_wrapper=dict(constructor='BGLOptimWrapperConstructor', upper=dict(...),
lower=dict(...))``, each an ordinary mmengine optim_wrapper config; the groups come from
the model's ``search_groups()`` (:class:`~mmruas.bgl.BGLModel`: ``upper`` and ``lower``):
:class:`~mmruas.search.SearchOptimWrapperConstructor` with these two groups instead of the
four of cooperative search. Per-group schedules:
``param_scheduler=dict(upper=[...], lower=[...])``.
"""
from __future__ import annotations

from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS

from ..search.optim_constructor import SearchOptimWrapperConstructor

__all__ = ['BGLOptimWrapperConstructor', 'BGL_GROUPS']

BGL_GROUPS = ('upper', 'lower')


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class BGLOptimWrapperConstructor(SearchOptimWrapperConstructor):
    """Build the ``upper`` and ``lower`` wrappers from ``model.search_groups()``."""

    groups = BGL_GROUPS
