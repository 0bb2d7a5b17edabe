"""The mmseg adapter: every mmruas part that registers into mmseg's registries.

mmseg imports this package itself, right after its own ``mmseg.models`` /
``mmseg.datasets`` / ``mmseg.evaluation``, the first time a config looks a type up in its
``MODELS``, ``DATASETS`` or ``METRICS`` (``import mmruas`` adds it to their import
locations: :func:`mmruas.registry.link_adapters`); the twin of :mod:`mmruas.det`
(docs/design.md).
"""
from mmseg.registry import MODELS

from ..bgl.bgl_model import BGLModel
from ..datasets.acdc import ACDCDataset
from ..evaluation.seg_table import SegTableIoUMetric
from ..models.decode_heads import SearchSepASPPHead
from ..models.scene_task_model import SceneTaskModel
from ..models.scene_task_search import SceneTaskSearchModel
from ..registry import register_once
from .data_preprocessor import RUASSegDataPreprocessor

for _model in (SceneTaskModel, SceneTaskSearchModel, BGLModel):  # task-agnostic wrappers
    register_once(MODELS, _model)

__all__ = ['RUASSegDataPreprocessor', 'SceneTaskModel', 'SceneTaskSearchModel', 'BGLModel',
           'SearchSepASPPHead', 'ACDCDataset', 'SegTableIoUMetric']
