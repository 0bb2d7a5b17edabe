"""mmruas models: the enhancer and the data preprocessors."""
from .data_preprocessors import *  # noqa: F401,F403
from .enhancer import RUASEnhancer

__all__ = ['RUASEnhancer']
