"""RUAS losses: the papers' scene loss ℓs and NRM loss, the authors' training-script
losses, a stage-wise IEM variant, RTV and TV."""
from ..deprecated import moved_getattr
from .authors_losses import AuthorsIEMLoss, AuthorsNRMLoss, authors_smoothness, squared_tv
from .ruas_losses import (
    NRMLoss,
    RTVLoss,
    SceneLoss,
    StagewiseIEMLoss,
    TVLoss,
    scene_loss_of_stages,
)
from .smoothness import gradients, relative_total_variation, total_variation

__all__ = ['RTVLoss', 'TVLoss', 'SceneLoss', 'StagewiseIEMLoss', 'NRMLoss', 'AuthorsIEMLoss',
           'AuthorsNRMLoss', 'authors_smoothness', 'squared_tv', 'scene_loss_of_stages',
           'gradients', 'relative_total_variation', 'total_variation']

__getattr__ = moved_getattr(__name__)  # 0.1 names (mmruas.deprecated)
