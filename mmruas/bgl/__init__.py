"""Bilevel Generative Learning (BGL, ACM MM 2023): the RAW generative block,
the enhancement task, the TBGL / IBGL solvers, the model and its hook."""
from .bgl_hook import BGLHook
from .bgl_model import BGL_PHASES, BGLModel
from .enhancement_task import EnhancementTask
from .generative_block import GenerativeBlock
from .ibgl import IBGL, ibgl_hypergradient
from .optim_constructor import BGL_GROUPS, BGLOptimWrapperConstructor
from .raw_preprocessor import RawDataPreprocessor
from .solver import BGL_SOLVERS
from .tbgl import TBGL

__all__ = ['BGLHook', 'BGLModel', 'BGL_PHASES', 'EnhancementTask', 'GenerativeBlock', 'IBGL',
           'ibgl_hypergradient', 'BGL_GROUPS', 'BGLOptimWrapperConstructor',
           'RawDataPreprocessor', 'BGL_SOLVERS', 'TBGL']
