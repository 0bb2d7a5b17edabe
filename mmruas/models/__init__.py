"""mmruas models: the enhancer and the data preprocessors."""
from .data_preprocessors import *  # noqa: F401,F403
from .enhancer import RUASEnhancer
from .search_enhancer import RUASSearchEnhancer

__all__ = ['RUASEnhancer', 'RUASSearchEnhancer']
