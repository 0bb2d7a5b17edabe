"""One optimiser per part of the enhancer: the RUAS-CVPR authors' training recipe.

``optim_wrapper=dict(constructor='EnhancerOptimWrapperConstructor', iem=dict(...),
nrm=dict(...), estimator=dict(...))``: each entry is an ordinary mmengine optim_wrapper
config (``type`` defaults to ``'OptimWrapper'``; ``clip_grad`` per part) over the
parameters of the model's part of that name (``model.optim_parts()``). The authors'
script trains the IEM and the NRM with separate SGD optimisers at different cadences
(see :class:`~mmruas.models.RUASEnhancer`). mmengine ships no constructor for a dict
of optimisers keyed by sub-module (mmagic's is not in this stack), hence this one.
"""
from __future__ import annotations

import copy

from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapperDict
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS
from torch import nn

from ..search.optim_constructor import build_optim_wrappers

__all__ = ['EnhancerOptimWrapperConstructor']


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class EnhancerOptimWrapperConstructor:
    """Build ``{part: optim wrapper}`` from ``model.optim_parts()``.

    Every trainable parameter must belong to a configured part (a part of the model
    without an entry would silently never train).
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: dict | None = None) -> None:
        if paramwise_cfg:
            raise ValueError('EnhancerOptimWrapperConstructor does not support paramwise_cfg')
        cfg = dict(optim_wrapper_cfg)
        cfg.pop('type', None)
        cfg.pop('_delete_', None)   # a config-merge marker left when the base had none
        if not cfg:
            raise KeyError('EnhancerOptimWrapperConstructor needs one entry per part '
                           '(e.g. iem=dict(...), nrm=dict(...))')
        self.cfgs = {k: copy.deepcopy(dict(v)) for k, v in cfg.items()}

    def __call__(self, model: nn.Module) -> OptimWrapperDict:
        if is_model_wrapper(model):
            model = model.module
        if not hasattr(model, 'optim_parts'):
            raise TypeError(f'{type(model).__name__} has no optim_parts(); '
                            'EnhancerOptimWrapperConstructor needs a RUASEnhancer')
        parts = model.optim_parts()
        unknown = sorted(set(self.cfgs) - set(parts))
        if unknown:
            raise KeyError(f'optim_wrapper entries {unknown} are not parts of '
                           f'{type(model).__name__}; its parts are {sorted(parts)}')
        untrained = sorted(k for k, m in parts.items()
                           if k not in self.cfgs and any(p.requires_grad
                                                         for p in m.parameters()))
        if untrained:
            raise KeyError(f'optim_wrapper has no entry for the trainable part(s) {untrained}')
        return build_optim_wrappers(self.cfgs, {
            k: [p for p in parts[k].parameters() if p.requires_grad] for k in self.cfgs})
