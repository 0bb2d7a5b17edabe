"""The mmseg adapter: every mmruas part that imports mmseg, registered into mmseg's
registries (the decode head, the data set, the metric).

mmseg imports this package itself, right after its own ``mmseg.models`` /
``mmseg.datasets`` / ``mmseg.evaluation``, the first time a config looks a type up in its
``MODELS``, ``DATASETS`` or ``METRICS`` (``import mmruas`` adds it to their import
locations: :func:`mmruas.registry.link_adapters`); the twin of :mod:`mmruas.det`
(docs/design.md).
"""
from mmseg.registry import MODELS

from ..bgl.bgl_model import BGLModel
from ..models.scene_task_model import SceneTaskModel
from ..models.scene_task_search import SceneTaskSearchModel
from ..registry import register_once
from .data_preprocessor import RUASSegDataPreprocessor
from .datasets import ACDCDataset
from .evaluation import SegTableIoUMetric
from .models import SearchSepASPPHead

for _model in (SceneTaskModel, SceneTaskSearchModel, BGLModel):  # task-agnostic wrappers
    register_once(MODELS, _model)

__all__ = ['RUASSegDataPreprocessor', 'SceneTaskModel', 'SceneTaskSearchModel', 'BGLModel',
           'SearchSepASPPHead', 'ACDCDataset', 'SegTableIoUMetric']
