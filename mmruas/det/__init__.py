"""The mmdet adapter: every mmruas part that imports mmdet, registered into mmdet's
registries (models, data sets, the metric).

mmdet imports this package itself, right after its own ``mmdet.models`` /
``mmdet.datasets`` / ``mmdet.evaluation``, the first time a config looks a type up in its
``MODELS``, ``DATASETS`` or ``METRICS`` (``import mmruas`` adds it to their import
locations: :func:`mmruas.registry.link_adapters`). So a stock mmdet config with
``custom_imports=dict(imports=['mmruas'])`` finds ``RUASDetDataPreprocessor`` and the rest,
while ``import mmruas`` alone loads none of mmdet's models (docs/design.md).
"""
from mmdet.registry import MODELS

from ..bgl.bgl_model import BGLModel
from ..models.scene_task_model import SceneTaskModel
from ..models.scene_task_search import SceneTaskSearchModel
from ..registry import register_once
from .data_preprocessor import RUASDetDataPreprocessor
from .datasets import DarkFaceDataset, ExDarkDataset
from .evaluation import ExDarkVOCMetric
from .models import DSFDVGG, DSFDHead, SearchFEMNeck, SearchSSDHead, SearchSSDNeck, SoftmaxSSDHead

for _model in (SceneTaskModel, SceneTaskSearchModel, BGLModel):  # task-agnostic wrappers
    register_once(MODELS, _model)

__all__ = ['RUASDetDataPreprocessor', 'SceneTaskModel', 'SceneTaskSearchModel', 'BGLModel',
           'SearchSSDNeck', 'SearchSSDHead', 'SoftmaxSSDHead', 'DSFDVGG', 'DSFDHead',
           'SearchFEMNeck', 'ExDarkDataset', 'DarkFaceDataset', 'ExDarkVOCMetric']
