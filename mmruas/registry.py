"""mmruas registries: children of mmengine's roots under the scope ``mmruas``, and the
hook that lets mmdet and mmseg find mmruas's adapters (docs/design.md, "How mmruas plugs
into mmdet and mmseg").

Components generic to every task (scene modules, losses, enhancer, metrics, data sets)
live here; configs with ``default_scope='mmruas'`` find them without a prefix and other
scopes reach them as ``mmruas.<Name>``. Each ``locations=`` names the modules whose
imports register into that registry. Components that only make sense inside mmdet or
mmseg live in the adapters :mod:`mmruas.det` / :mod:`mmruas.seg` and register into those
libraries' registries; the hooks, the search's model wrapper and the optimiser
constructors register into mmengine's roots so that any scope finds them.
"""
from __future__ import annotations

import importlib

from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import Registry
from torch import nn

MODELS = Registry('model', parent=MMENGINE_MODELS,
                  locations=['mmruas.scene', 'mmruas.losses', 'mmruas.models', 'mmruas.bgl'])
MODEL_WRAPPERS = Registry('model_wrapper', parent=MMENGINE_MODEL_WRAPPERS)
DATASETS = Registry('dataset', parent=MMENGINE_DATASETS, locations=['mmruas.datasets'])
DATA_SAMPLERS = Registry('data sampler', parent=MMENGINE_DATA_SAMPLERS)
TRANSFORMS = Registry('transform', parent=MMENGINE_TRANSFORMS,
                      locations=['mmruas.datasets.transforms'])
METRICS = Registry('metric', parent=MMENGINE_METRICS, locations=['mmruas.evaluation'])
EVALUATOR = Registry('evaluator', parent=MMENGINE_EVALUATOR)
HOOKS = Registry('hook', parent=MMENGINE_HOOKS, locations=['mmruas.engine.hooks'])
LOOPS = Registry('loop', parent=MMENGINE_LOOPS)
OPTIMIZERS = Registry('optimizer', parent=MMENGINE_OPTIMIZERS)
OPTIM_WRAPPERS = Registry('optim_wrapper', parent=MMENGINE_OPTIM_WRAPPERS)
OPTIM_WRAPPER_CONSTRUCTORS = Registry('optimizer wrapper constructor',
                                      parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS)
PARAM_SCHEDULERS = Registry('parameter scheduler', parent=MMENGINE_PARAM_SCHEDULERS)
VISBACKENDS = Registry('vis_backend', parent=MMENGINE_VISBACKENDS)
VISUALIZERS = Registry('visualizer', parent=MMENGINE_VISUALIZERS)

#: library → the mmruas module that registers into that library's registries
ADAPTERS = {'mmdet': 'mmruas.det', 'mmseg': 'mmruas.seg'}
#: the library registries the adapters register into
ADAPTER_REGISTRIES = ('MODELS', 'DATASETS', 'METRICS')


def link_adapters() -> list[str]:
    """Make each installed library import its mmruas adapter when it imports its own
    modules (the first time a config looks a type up in its ``MODELS``, ``DATASETS`` or
    ``METRICS``); imports the adapter at once where the library has already done so.

    Imports only ``<library>.registry`` (not its models), so ``import mmruas`` stays
    light. Returns the libraries linked; an absent or broken library is skipped.
    """
    linked = []
    for library, adapter in ADAPTERS.items():
        try:
            registries = importlib.import_module(f'{library}.registry')
        except ImportError:  # mmdet / mmseg are optional: the core needs neither
            continue
        for name in ADAPTER_REGISTRIES:
            registry = getattr(registries, name)
            # mmengine private names (all such uses: docs/compatibility.md): a Registry takes
            # its import locations only at construction and has no public method to add one, and
            # ``_imported`` says whether it has already imported them (then it would not
            # read a new location, so the adapter is imported now).
            if registry._imported:
                importlib.import_module(adapter)
            elif adapter not in registry._locations:
                registry._locations.append(adapter)
        linked.append(library)
    return linked


def register_once(registry: Registry, cls: type) -> type:
    """Register ``cls`` under its name unless that very class already is (an adapter may
    add a class its own module registered too); another class of that name is an error."""
    if registry.module_dict.get(cls.__name__) is not cls:
        registry.register_module(module=cls)
    return cls


def build_mmruas_module(cfg: dict | nn.Module) -> nn.Module:
    """Build from mmruas's registry (scene modules, losses) whatever the default scope."""
    if isinstance(cfg, nn.Module):
        return cfg
    cfg = dict(cfg)
    cfg.setdefault('_scope_', 'mmruas')
    return MODELS.build(cfg)
