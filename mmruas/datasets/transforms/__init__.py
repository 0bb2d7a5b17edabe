"""Transforms of the enhancement pipeline: loading, paired augmentation, packing."""
from .formatting import PackEnhanceInputs
from .loading import LoadGtImage, LoadLowLightImage, read_image
from .low_light import LowLightSynthesis, synthesize_low_light
from .paired import PairedRandomCrop, PairedRandomFlip

__all__ = ['LowLightSynthesis', 'synthesize_low_light', 'LoadLowLightImage', 'LoadGtImage',
           'read_image', 'PairedRandomCrop', 'PairedRandomFlip', 'PackEnhanceInputs']
