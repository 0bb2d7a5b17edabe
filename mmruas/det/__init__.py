"""The mmdet adapter: every mmruas part that registers into mmdet's registries.

mmdet imports this package itself, right after its own ``mmdet.models`` /
``mmdet.datasets`` / ``mmdet.evaluation``, the first time a config looks a type up in its
``MODELS``, ``DATASETS`` or ``METRICS`` (``import mmruas`` adds it to their import
locations: :func:`mmruas.registry.link_adapters`). So a stock mmdet config with
``custom_imports=dict(imports=['mmruas'])`` finds ``RUASDetDataPreprocessor`` and the rest,
while ``import mmruas`` alone loads none of mmdet's models (docs/design.md).
"""
from mmdet.registry import MODELS

from ..bgl.bgl_model import BGLModel
from ..compat import patch_ssd_head_loss_cls
from ..datasets.darkface import DarkFaceDataset
from ..datasets.exdark import ExDarkDataset
from ..evaluation.voc_table import ExDarkVOCMetric
from ..models.backbones import DSFDVGG
from ..models.heads import DSFDHead, SearchSSDHead
from ..models.necks import SearchFEMNeck, SearchSSDNeck
from ..models.scene_task_model import SceneTaskModel
from ..models.scene_task_search import SceneTaskSearchModel
from ..registry import register_once
from .data_preprocessor import RUASDetDataPreprocessor

patch_ssd_head_loss_cls()  # compat fix 3: stock SSD predicts once mmdet's models are in use
for _model in (SceneTaskModel, SceneTaskSearchModel, BGLModel):  # task-agnostic wrappers
    register_once(MODELS, _model)

__all__ = ['RUASDetDataPreprocessor', 'SceneTaskModel', 'SceneTaskSearchModel', 'BGLModel',
           'SearchSSDNeck', 'SearchSSDHead', 'DSFDVGG', 'DSFDHead', 'SearchFEMNeck',
           'ExDarkDataset', 'DarkFaceDataset', 'ExDarkVOCMetric']
