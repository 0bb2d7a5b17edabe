"""Architecture search: upper-level gradients of the bilevel pairs (METHOD.md §4)."""
from .cooperative_hook import CooperativeSearchHook, split_indices
from .hypergradient import (
    BilevelProblem,
    apply_alpha_grads,
    cross_term,
    hypergradient,
    scene_hypergradient,
)
from .optim_constructor import SEARCH_GROUPS, SearchOptimWrapperConstructor
from .search_model import (
    SEARCH_PHASES,
    CooperativeSearchMixin,
    check_search_groups,
    genotype_for_config,
    scene_genotype_cfg,
    searchable_cells,
    tie_cell_alphas,
)

__all__ = ['BilevelProblem', 'hypergradient', 'apply_alpha_grads', 'cross_term',
           'scene_hypergradient', 'SearchOptimWrapperConstructor', 'SEARCH_GROUPS',
           'CooperativeSearchHook', 'split_indices', 'genotype_for_config',
           'CooperativeSearchMixin', 'SEARCH_PHASES', 'check_search_groups',
           'scene_genotype_cfg', 'searchable_cells', 'tie_cell_alphas']
