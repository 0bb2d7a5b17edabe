"""Data sets and their transforms: enhancement (LOL, LOL-v2, MIT-Adobe FiveK, paired and
unpaired folders, SID RAW), split lists and enhanced-image trees; the detection and
segmentation sets are in :mod:`mmruas.det.datasets` and :mod:`mmruas.seg.datasets`."""
from ..deprecated import moved_getattr
from .folders import IMG_EXTENSIONS, PairedFolderDataset, UnpairedFolderDataset
from .lol import LOLDataset, LOLv2Dataset, lol_pair_key
from .mit5k import MIT5KDataset
from .sid import SIDDataset, exposure_time, parse_sid_list
from .splits import read_name_list, write_name_splits
from .transforms import (
    LoadGtImage,
    LoadLowLightImage,
    PackEnhanceInputs,
    PairedRandomCrop,
    PairedRandomFlip,
)

__all__ = ['IMG_EXTENSIONS', 'LOLDataset', 'LOLv2Dataset', 'lol_pair_key', 'MIT5KDataset',
           'read_name_list', 'write_name_splits', 'PairedFolderDataset', 'UnpairedFolderDataset',
           'SIDDataset', 'exposure_time', 'parse_sid_list', 'LoadLowLightImage', 'LoadGtImage',
           'PairedRandomCrop', 'PairedRandomFlip', 'PackEnhanceInputs']

__getattr__ = moved_getattr(__name__)  # the detection / segmentation sets' old names
