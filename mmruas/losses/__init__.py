"""RUAS losses: RTV, TV, IEM, NRM and scene losses."""
from .ruas_losses import IEMLoss, NRMLoss, RTVLoss, SceneLoss, TVLoss
from .smoothness import gradients, relative_total_variation, total_variation

__all__ = ['RTVLoss', 'TVLoss', 'IEMLoss', 'NRMLoss', 'SceneLoss', 'gradients',
           'relative_total_variation', 'total_variation']
