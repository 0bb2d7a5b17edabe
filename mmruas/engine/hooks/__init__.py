"""mmruas hooks: the enhancement visualisation hook (mmruas's HOOKS) and the crash-safe
checkpoint hook (mmengine's root HOOKS, so every scope finds it)."""
from .safe_checkpoint_hook import SafeCheckpointHook
from .visualization_hook import EnhanceVisualizationHook

__all__ = ['EnhanceVisualizationHook', 'SafeCheckpointHook']
