"""Enhancement data sets (LOL, paired and unpaired image folders) and their transforms."""
from .folders import IMG_EXTENSIONS, PairedFolderDataset, UnpairedFolderDataset
from .lol import LOLDataset
from .transforms import (
    LoadGtImage,
    LoadLowLightImage,
    PackEnhanceInputs,
    PairedRandomCrop,
    PairedRandomFlip,
)

__all__ = ['IMG_EXTENSIONS', 'LOLDataset', 'PairedFolderDataset', 'UnpairedFolderDataset',
           'LoadLowLightImage', 'LoadGtImage', 'PairedRandomCrop', 'PairedRandomFlip',
           'PackEnhanceInputs']
