"""The RUAS scene module: IEM, NRM, noise estimator and their assembly."""
from .checkpoints import SCENE_PREFIXES, load_scene_checkpoint, scene_state_dict
from .estimator import NoiseEstimator
from .iem import IEM, IEMStage, max_omega
from .nrm import NRM
from .ruas import RUAS, VARIANTS, SceneOutput

__all__ = ['IEM', 'IEMStage', 'max_omega', 'NRM', 'NoiseEstimator', 'RUAS', 'SceneOutput',
           'VARIANTS', 'SCENE_PREFIXES', 'load_scene_checkpoint', 'scene_state_dict']
