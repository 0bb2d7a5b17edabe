"""Architecture search: upper-level gradients of the bilevel pairs (METHOD.md §4)."""
from .hypergradient import (
    BilevelProblem,
    apply_alpha_grads,
    cross_term,
    hypergradient,
    scene_hypergradient,
)

__all__ = ['BilevelProblem', 'hypergradient', 'apply_alpha_grads', 'cross_term',
           'scene_hypergradient']
