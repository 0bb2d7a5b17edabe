"""Architecture search: upper-level gradients of the bilevel pairs (METHOD.md §4)."""
from .cooperative_hook import CooperativeSearchHook, genotype_for_config, split_indices
from .hypergradient import (
    BilevelProblem,
    apply_alpha_grads,
    cross_term,
    hypergradient,
    scene_hypergradient,
)
from .optim_constructor import SEARCH_GROUPS, SearchOptimWrapperConstructor

__all__ = ['BilevelProblem', 'hypergradient', 'apply_alpha_grads', 'cross_term',
           'scene_hypergradient', 'SearchOptimWrapperConstructor', 'SEARCH_GROUPS',
           'CooperativeSearchHook', 'split_indices', 'genotype_for_config']
