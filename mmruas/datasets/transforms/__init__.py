"""Transforms of the enhancement pipeline: loading, paired augmentation, packing."""
from .formatting import PackEnhanceInputs
from .loading import LoadGtImage, LoadLowLightImage, read_image
from .low_light import LowLightSynthesis, synthesize_low_light
from .low_light_raw import LowLightRaw, synthesize_low_light_raw
from .paired import PairedRandomCrop, PairedRandomFlip
from .raw_packing import (
    LoadPackedRaw,
    LoadRawGt,
    PackedRawRandomCrop,
    PackRawInputs,
    pack_raw,
    read_raw,
)
from .unprocess import Unprocess

__all__ = ['LowLightSynthesis', 'synthesize_low_light', 'LoadLowLightImage', 'LoadGtImage',
           'read_image', 'PairedRandomCrop', 'PairedRandomFlip', 'PackEnhanceInputs']
__all__ += ['LowLightRaw', 'synthesize_low_light_raw', 'Unprocess', 'LoadPackedRaw',
            'LoadRawGt', 'PackedRawRandomCrop', 'PackRawInputs', 'pack_raw', 'read_raw']
