"""RUAS search space: Table 1 operations, mixed operation, searchable units (distillation
cell, task edges), α, genotypes and their export as config overrides."""
from .alphas import split_arch_params, tie_unit_alphas
from .cell import EDGE_NAMES, DistillationCell
from .export import (
    alpha_history_entry,
    format_cfg,
    genotype_for_config,
    genotype_overrides,
    scene_genotype_cfg,
    write_retrain_config,
)
from .genotype import RELEASED_GENOTYPES, Genotype, derive_genotypes, load_genotypes, save_genotypes
from .mixed_op import ARCH_PARAM_NAME, MixedOp, alpha_entropy, is_arch_param
from .operations import ABBREVIATIONS, OPS, SCENE_OPS, SPACES, TASK_OPS, build_op
from .task_edges import FittedConvOp, FittedMixedOp, task_edge
from .unit import EdgeList, GenotypeConfigurable, SearchableUnit, searchable_units

__all__ = ['ABBREVIATIONS', 'OPS', 'SCENE_OPS', 'TASK_OPS', 'SPACES', 'build_op', 'MixedOp',
           'ARCH_PARAM_NAME', 'is_arch_param', 'alpha_entropy', 'DistillationCell',
           'EDGE_NAMES', 'Genotype', 'RELEASED_GENOTYPES', 'derive_genotypes',
           'save_genotypes', 'load_genotypes', 'EdgeList', 'FittedConvOp', 'FittedMixedOp',
           'task_edge', 'SearchableUnit', 'GenotypeConfigurable', 'searchable_units',
           'split_arch_params', 'tie_unit_alphas', 'genotype_overrides', 'scene_genotype_cfg',
           'genotype_for_config', 'format_cfg', 'write_retrain_config', 'alpha_history_entry']
