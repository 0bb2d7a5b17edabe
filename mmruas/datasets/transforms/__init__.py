"""Transforms of the enhancement pipeline: loading, paired augmentation, packing."""
from .formatting import PackEnhanceInputs
from .loading import LoadGtImage, LoadLowLightImage, read_image
from .paired import PairedRandomCrop, PairedRandomFlip

__all__ = ['LoadLowLightImage', 'LoadGtImage', 'read_image', 'PairedRandomCrop',
           'PairedRandomFlip', 'PackEnhanceInputs']
