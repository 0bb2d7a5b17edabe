"""Image helpers shared by the visualization hook and the tools."""
from .enhance import side_by_side, to_image

__all__ = ['side_by_side', 'to_image']
