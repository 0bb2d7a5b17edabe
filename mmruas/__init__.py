"""mmruas: RUAS low-light vision as an OpenMMLab plugin.

``import mmruas`` (``custom_imports=dict(imports=['mmruas'])``) registers the core (scene
modules, search space and search, losses, enhancement, metrics, data sets, BGL), lets
``torch.load`` read mmengine checkpoints (:func:`mmruas.compat.apply`), and links the
mmdet / mmseg adapters (:mod:`mmruas.det`, :mod:`mmruas.seg`) into those libraries'
registries, which import them when they import their own models: the core imports neither
library (docs/design.md).
"""
from .deprecated import install_finder

install_finder()  # old module paths of the mmdet / mmseg parts (mmruas.deprecated)

from . import bgl, compat, datasets, engine, evaluation, losses, models, scene, search, search_space  # noqa: E402
from .registry import link_adapters  # noqa: E402

__all__ = ['bgl', 'compat', 'datasets', 'engine', 'evaluation', 'losses', 'models', 'scene',
           'search', 'search_space', 'link_adapters']

__version__ = '0.1.0'

compat.apply()
link_adapters()
