"""mmruas: RUAS low-light vision as an OpenMMLab plugin.

Importing it applies the torch-2.14 compatibility fixes (:mod:`mmruas.compat`) and
registers every component (``custom_imports=dict(imports=['mmruas'])``).
"""
from . import compat

compat.apply()

__version__ = '0.1.0'
