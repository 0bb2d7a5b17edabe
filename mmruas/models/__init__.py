"""mmruas models: the enhancer, its search variant, the scene wrapper for task
preprocessors, the ``ℓt + λ·ℓs`` task wrapper and its cooperative-search variant (none of
them imports mmdet or mmseg; the detection and segmentation models are in
:mod:`mmruas.det` and :mod:`mmruas.seg`)."""
from ..deprecated import moved_getattr
from .data_preprocessors import EnhanceDataPreprocessor
from .enhancer import RUASEnhancer
from .scene_preprocessor import SceneDataPreprocessorMixin, build_mmruas_module
from .scene_task_model import SceneTaskModel, scene_loss_of
from .scene_task_search import SceneTaskSearchModel
from .search_enhancer import RUASSearchEnhancer
from .search_groups import task_genotype_cfg, task_search_groups

__all__ = ['EnhanceDataPreprocessor', 'RUASEnhancer', 'RUASSearchEnhancer',
           'SceneDataPreprocessorMixin', 'build_mmruas_module', 'SceneTaskModel',
           'SceneTaskSearchModel', 'scene_loss_of', 'task_search_groups', 'task_genotype_cfg']

__getattr__ = moved_getattr(__name__)  # the mmdet / mmseg parts' old names (until 0.3)
