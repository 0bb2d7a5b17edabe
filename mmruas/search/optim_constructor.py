"""Optimiser wrappers of cooperative search: ω and α of the scene and of the task.

``optim_wrapper=dict(constructor='SearchOptimWrapperConstructor', scene_w=dict(...),
task_w=dict(...), scene_alpha=dict(...), task_alpha=dict(...))``: each entry is an
ordinary mmengine optim_wrapper config (``type`` defaults to ``'OptimWrapper'``). The
model's cached ``search_groups()`` decides which parameters each wrapper owns; the result
is an :class:`mmengine.optim.OptimWrapperDict` with exactly these four keys. BGL's
constructor is the same with the groups ``upper`` and ``lower``.
"""
from __future__ import annotations

import copy

from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapperDict
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS
from torch import nn

from ..registry import OPTIM_WRAPPERS, OPTIMIZERS

__all__ = ['SearchOptimWrapperConstructor', 'SEARCH_GROUPS', 'build_optim_wrappers']

SEARCH_GROUPS = ('scene_w', 'task_w', 'scene_alpha', 'task_alpha')


# mmengine's root registry: found by plain name whatever the config's scope (mmruas for
# enhancement, mmdet for detection), as the search hook and model wrapper
@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class SearchOptimWrapperConstructor:
    """Build one optim wrapper per search group from the model's cached ``search_groups()``
    (:class:`~mmruas.search.SearchStepMixin`).

    Args:
        optim_wrapper_cfg: ``{group: optim_wrapper config}`` for exactly the groups of
            :attr:`groups`.
        paramwise_cfg: not supported (``None``).
    """

    #: the group names this constructor builds (cooperative search's four)
    groups: tuple[str, ...] = SEARCH_GROUPS

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: dict | None = None) -> None:
        name = type(self).__name__
        if paramwise_cfg:
            raise ValueError(f'{name} does not support paramwise_cfg')
        cfg = dict(optim_wrapper_cfg)
        cfg.pop('type', None)   # a top-level type (e.g. from a base config) is meaningless here
        missing = [k for k in self.groups if k not in cfg]
        extra = [k for k in cfg if k not in self.groups]
        if missing or extra:
            raise KeyError(f'{name} needs exactly the keys {self.groups}; missing {missing}, '
                           f'unexpected {extra}')
        self.cfgs = {k: copy.deepcopy(dict(cfg[k])) for k in self.groups}

    def __call__(self, model: nn.Module) -> OptimWrapperDict:
        if is_model_wrapper(model):
            model = model.module
        groups = model.search_groups() if hasattr(model, 'search_groups') else {}
        if sorted(groups) != sorted(self.groups):
            raise TypeError(f'{type(model).__name__} has no search groups {self.groups}; use '
                            'a search model such as RUASSearchEnhancer, SceneTaskSearchModel '
                            '(cooperative search) or BGLModel (upper, lower)')
        empty = [k for k in self.groups if not groups[k]]
        if empty:
            raise ValueError(f'search group {empty[0]!r} of {type(model).__name__} is empty')
        return build_optim_wrappers(self.cfgs, {k: list(groups[k]) for k in self.groups})


def build_optim_wrappers(cfgs: dict[str, dict],
                         params: dict[str, list[nn.Parameter]]) -> OptimWrapperDict:
    """``OptimWrapperDict`` of one optim wrapper per key: ``cfgs[key]`` (an mmengine
    optim_wrapper config; ``type`` defaults to ``'OptimWrapper'``) over ``params[key]``."""
    wrappers = {}
    for key, wrapper_cfg in cfgs.items():
        cfg = copy.deepcopy(dict(wrapper_cfg))
        optimizer = dict(cfg.pop('optimizer'))
        optimizer['params'] = params[key]
        cfg.setdefault('type', 'OptimWrapper')
        cfg['optimizer'] = OPTIMIZERS.build(optimizer)
        wrappers[key] = OPTIM_WRAPPERS.build(cfg)
    return OptimWrapperDict(**wrappers)
