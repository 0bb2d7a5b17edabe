"""mmruas engine components (hooks, the enhancer's per-part optimiser constructor)."""
from .hooks import *  # noqa: F401,F403
from .optim_constructor import EnhancerOptimWrapperConstructor  # noqa: F401
