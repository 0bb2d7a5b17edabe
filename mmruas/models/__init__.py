"""mmruas models: the enhancer, its search variant, the scene wrapper for task
preprocessors and the ``ℓt + λ·ℓs`` task wrapper (none of them imports mmdet or mmseg).

The detection and segmentation parts (the searchable SSD neck/head, the DSFD parts, the
searchable ASPP head, the cooperative search wrapper, the adapters' preprocessors) are
reachable here by name too, but import on first use: :mod:`mmruas.det` and
:mod:`mmruas.seg` register them into mmdet's and mmseg's registries.
"""
from ..registry import lazy_exports
from .data_preprocessors import EnhanceDataPreprocessor
from .enhancer import RUASEnhancer
from .scene_preprocessor import SceneDataPreprocessorMixin, build_mmruas_module
from .scene_task_model import SceneTaskModel, scene_loss_of
from .search_enhancer import RUASSearchEnhancer
from .search_groups import task_genotype_cfg, task_search_groups

__all__ = ['EnhanceDataPreprocessor', 'RUASEnhancer', 'RUASSearchEnhancer',
           'SceneDataPreprocessorMixin', 'build_mmruas_module', 'SceneTaskModel',
           'scene_loss_of', 'task_search_groups', 'task_genotype_cfg']

__getattr__, __dir__ = lazy_exports(__name__, {
    'RUASDetDataPreprocessor': 'mmruas.det.data_preprocessor',
    'RUASSegDataPreprocessor': 'mmruas.seg.data_preprocessor',
    'SceneTaskSearchModel': '.scene_task_search',
    'SearchSSDNeck': '.necks', 'SearchFEMNeck': '.necks',
    'SearchSSDHead': '.heads', 'DSFDHead': '.heads',
    'DSFDVGG': '.backbones',
    'SearchSepASPPHead': '.decode_heads',
})
