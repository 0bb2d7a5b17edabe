"""Architecture search: the search models' step interface, Algorithm 1's phases, the
upper-level gradients of the bilevel pairs and the hook that schedules them
(docs/method.md#cooperative-search-alg-1)."""
from .cooperative import SEARCH_PHASES, CooperativeSearchMixin
from .cooperative_hook import CooperativeSearchHook
from .data import InfiniteLoader, split_indices, subset_loader
from .hypergradient import (
    BilevelProblem,
    cross_term,
    hypergradient,
    optimizer_step,
    rank_mean_grads,
    scene_hypergradient,
)
from .optim_constructor import SEARCH_GROUPS, SearchOptimWrapperConstructor
from .search_step import (
    SearchStep,
    SearchStepMixin,
    check_search_groups,
)

__all__ = ['BilevelProblem', 'hypergradient', 'cross_term',
           'scene_hypergradient', 'SearchOptimWrapperConstructor', 'SEARCH_GROUPS',
           'CooperativeSearchHook', 'split_indices', 'subset_loader', 'InfiniteLoader',
           'CooperativeSearchMixin', 'SEARCH_PHASES', 'SearchStep', 'SearchStepMixin',
           'check_search_groups', 'optimizer_step', 'rank_mean_grads']
