"""Names that moved in 0.2 and keep working, with a ``DeprecationWarning``, until 0.3.

0.2 put every module that imports mmdet under :mod:`mmruas.det` and every module that
imports mmseg under :mod:`mmruas.seg` (docs/design.md, "The core and the adapters"), and
renamed a few things (the glossary there). A user's ``from mmruas.models import
SearchSSDNeck`` or ``import mmruas.datasets.exdark`` still works: the old package
attribute (:data:`MOVED_NAMES`, through each package's ``__getattr__``) or the old module
path (:data:`MOVED_MODULES`, through a finder at the front of ``sys.meta_path``) gives the
very object at its new home and warns once per name. Nothing inside mmruas uses an old
name (tests/unit/test_layout.py).
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings
from collections.abc import Callable
from types import ModuleType

__all__ = ['MOVED_MODULES', 'MOVED_NAMES', 'install_finder', 'moved_getattr']

REMOVED_IN = '0.3'

#: old module path -> new module path
MOVED_MODULES = {
    'mmruas.models.necks': 'mmruas.det.models.necks',
    'mmruas.models.necks.search_ssd_neck': 'mmruas.det.models.necks.search_ssd_neck',
    'mmruas.models.necks.search_fem': 'mmruas.det.models.necks.search_fem',
    'mmruas.models.heads': 'mmruas.det.models.heads',
    'mmruas.models.heads.search_ssd_head': 'mmruas.det.models.heads.search_ssd_head',
    'mmruas.models.heads.dsfd_head': 'mmruas.det.models.heads.dsfd_head',
    'mmruas.models.backbones': 'mmruas.det.models.backbones',
    'mmruas.models.backbones.dsfd_vgg': 'mmruas.det.models.backbones.dsfd_vgg',
    'mmruas.models.decode_heads': 'mmruas.seg.models.decode_heads',
    'mmruas.models.decode_heads.search_aspp_head':
        'mmruas.seg.models.decode_heads.search_aspp_head',
    'mmruas.datasets.exdark': 'mmruas.det.datasets.exdark',
    'mmruas.datasets.darkface': 'mmruas.det.datasets.darkface',
    'mmruas.datasets.listed_det_dataset': 'mmruas.det.datasets.listed_det_dataset',
    'mmruas.datasets.mini_exdark': 'mmruas.det.datasets.mini_exdark',
    'mmruas.datasets.acdc': 'mmruas.seg.datasets.acdc',
    'mmruas.evaluation.voc_table': 'mmruas.det.evaluation.voc_table',
    'mmruas.evaluation.seg_table': 'mmruas.seg.evaluation.seg_table',
}

#: old package -> {old attribute name: (new module, new name)}
MOVED_NAMES: dict[str, dict[str, tuple[str, str]]] = {
    'mmruas.models': {
        'RUASDetDataPreprocessor': ('mmruas.det', 'RUASDetDataPreprocessor'),
        'RUASSegDataPreprocessor': ('mmruas.seg', 'RUASSegDataPreprocessor'),
        **{name: ('mmruas.det.models', name) for name in (
            'SearchSSDNeck', 'SearchFEMNeck', 'SearchSSDHead', 'DSFDHead', 'DSFDVGG')},
        'SearchSepASPPHead': ('mmruas.seg.models', 'SearchSepASPPHead'),
    },
    'mmruas.datasets': {
        **{name: ('mmruas.det.datasets', name) for name in (
            'ExDarkDataset', 'EXDARK_CLASSES', 'EXDARK_LIGHTS', 'parse_bbgt',
            'parse_imageclasslist', 'MINI_CLASSES', 'make_mini_exdark', 'DarkFaceDataset',
            'parse_darkface_label', 'write_darkface_split')},
        'write_random_split': ('mmruas.det.datasets', 'write_exdark_split'),
        'ACDCDataset': ('mmruas.seg.datasets', 'ACDCDataset'),
        'ACDC_CONDITIONS': ('mmruas.seg.datasets', 'ACDC_CONDITIONS'),
    },
    'mmruas.losses': {'scene_term': ('mmruas.losses', 'scene_loss_of_stages')},
    'mmruas.apis.inference': {'run_scene': ('mmruas.apis.inference', 'enhance_batch')},
    'mmruas.datasets.transforms.formatting': {
        'image_to_tensor': ('mmruas.datasets.transforms.formatting', 'to_chw_tensor')},
    'mmruas.search.search_step': {
        name: ('mmruas.search.hypergradient', name)
        for name in ('optimizer_step', 'rank_mean_grads')},
    'mmruas.evaluation': {
        'ExDarkVOCMetric': ('mmruas.det.evaluation', 'ExDarkVOCMetric'),
        **{name: ('mmruas.seg.evaluation', name) for name in (
            'SegTableIoUMetric', 'TPAMI_TABLE_XI_CLASSES', 'BGL_TABLE2_CLASSES')},
    },
}


def _warn(old: str, new: str) -> None:
    warnings.warn(f'{old} moved to {new}; the old name goes in mmruas {REMOVED_IN}',
                  DeprecationWarning, stacklevel=3)


def moved_getattr(package: str) -> Callable[[str], object]:
    """A package's ``__getattr__``: its moved names (warning), else ``AttributeError``."""
    table = MOVED_NAMES[package]

    def __getattr__(name: str) -> object:
        if name not in table:
            raise AttributeError(f'module {package!r} has no attribute {name!r}')
        module, new = table[name]
        _warn(f'{package}.{name}', f'{module}.{new}')
        value = getattr(importlib.import_module(module), new)
        setattr(sys.modules[package], name, value)  # warned once; later uses find it
        return value
    return __getattr__


class _MovedModuleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports an old module path (:data:`MOVED_MODULES`) as the module at its new path.

    It must sit before the path finder: ``mmruas.models.necks.search_ssd_neck`` would
    otherwise be found again in the new package's folder and run a second time under the
    old name (registering its classes twice)."""

    def find_spec(self, fullname: str, path: object = None,
                  target: object = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in MOVED_MODULES:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        new = MOVED_MODULES[spec.name]
        _warn(spec.name, new)
        return importlib.import_module(new)

    def exec_module(self, module: ModuleType) -> None:
        """The new module has run already."""


def install_finder() -> None:
    """Put the old-path finder first on ``sys.meta_path`` (idempotent)."""
    if not any(isinstance(f, _MovedModuleFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _MovedModuleFinder())
