"""mmruas: RUAS low-light vision as an OpenMMLab plugin.

Importing it applies the torch-2.14 compatibility fixes (:mod:`mmruas.compat`) and
registers every component (``custom_imports=dict(imports=['mmruas'])``).
"""
from . import compat

compat.apply()

from . import (datasets, engine, evaluation, losses, models, scene, search,  # noqa: E402,F401,I001
               search_space)
from . import bgl  # noqa: E402,F401

__version__ = '0.1.0'
