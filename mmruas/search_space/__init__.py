"""RUAS search space: Table 1 operations, mixed operation, distillation cell, genotypes."""
from .cell import EDGE_NAMES, DistillationCell
from .genotype import RELEASED_GENOTYPES, Genotype, derive_genotypes, load_genotypes, save_genotypes
from .mixed_op import ARCH_PARAM_NAME, MixedOp, alpha_entropy, is_arch_param
from .operations import ABBREVIATIONS, OPS, SCENE_OPS, SPACES, TASK_OPS, build_op

__all__ = ['ABBREVIATIONS', 'OPS', 'SCENE_OPS', 'TASK_OPS', 'SPACES', 'build_op', 'MixedOp',
           'ARCH_PARAM_NAME', 'is_arch_param', 'alpha_entropy', 'DistillationCell',
           'EDGE_NAMES', 'Genotype', 'RELEASED_GENOTYPES', 'derive_genotypes',
           'save_genotypes', 'load_genotypes']

from .task_edges import EdgeList, FittedConvOp, FittedMixedOp, SearchableEdges, task_edge  # noqa: E402

__all__ += ['EdgeList', 'FittedConvOp', 'FittedMixedOp', 'SearchableEdges', 'task_edge']
