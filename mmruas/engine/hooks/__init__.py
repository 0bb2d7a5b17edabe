"""mmruas hooks."""
from .visualization_hook import EnhanceVisualizationHook

__all__ = ['EnhanceVisualizationHook']
