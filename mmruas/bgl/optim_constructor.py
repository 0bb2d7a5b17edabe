"""Optimiser wrappers of BGL: ``upper`` (the block's ω) and ``lower`` (the task's θ).

``optim_wrapper=dict(constructor='BGLOptimWrapperConstructor', upper=dict(...),
lower=dict(...))``, each an ordinary mmengine optim_wrapper config; the groups come from
the model's ``search_groups()`` (:class:`~mmruas.bgl.BGLModel`: ``upper`` and ``lower``).
(:class:`~mmruas.search.SearchOptimWrapperConstructor` is the same idea with the four
fixed groups of cooperative search.) Per-group schedules:
``param_scheduler=dict(upper=[...], lower=[...])``.
"""
from __future__ import annotations

import copy

from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapperDict
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS
from torch import nn

from ..registry import OPTIM_WRAPPERS, OPTIMIZERS

__all__ = ['BGLOptimWrapperConstructor', 'BGL_GROUPS']

BGL_GROUPS = ('upper', 'lower')


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class BGLOptimWrapperConstructor:
    """Build the ``upper`` and ``lower`` wrappers from ``model.search_groups()``."""

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: dict | None = None) -> None:
        if paramwise_cfg:
            raise ValueError('BGLOptimWrapperConstructor does not support paramwise_cfg')
        cfg = dict(optim_wrapper_cfg)
        cfg.pop('type', None)
        if sorted(cfg) != sorted(BGL_GROUPS):
            raise KeyError(f'BGLOptimWrapperConstructor needs exactly the keys {BGL_GROUPS}, '
                           f'got {sorted(cfg)}')
        self.cfgs = {k: copy.deepcopy(dict(cfg[k])) for k in BGL_GROUPS}

    def __call__(self, model: nn.Module) -> OptimWrapperDict:
        if is_model_wrapper(model):
            model = model.module
        groups = model.search_groups() if hasattr(model, 'search_groups') else {}
        if sorted(groups) != sorted(BGL_GROUPS):
            raise TypeError(f'{type(model).__name__} has no upper/lower search groups; use '
                            'BGLModel')
        wrappers = {}
        for key in BGL_GROUPS:
            if not groups[key]:
                raise ValueError(f'BGL group {key!r} of {type(model).__name__} is empty')
            cfg = copy.deepcopy(self.cfgs[key])
            optimizer = dict(cfg.pop('optimizer'), params=list(groups[key]))
            cfg.setdefault('type', 'OptimWrapper')
            cfg['optimizer'] = OPTIMIZERS.build(optimizer)
            wrappers[key] = OPTIM_WRAPPERS.build(cfg)
        return OptimWrapperDict(**wrappers)
