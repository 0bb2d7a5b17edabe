"""Data sets and their transforms: enhancement (LOL, paired and unpaired folders, SID RAW)
loaded with the package; the detection and segmentation sets (ExDark, DARK FACE, ACDC,
the generated mini ExDark) import mmdet / mmseg, so they load on first use
(:mod:`mmruas.det` and :mod:`mmruas.seg` register them)."""
from ..registry import lazy_exports
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

__getattr__, __dir__ = lazy_exports(__name__, {
    **dict.fromkeys(['ExDarkDataset', 'EXDARK_CLASSES', 'EXDARK_LIGHTS', 'parse_bbgt',
                     'parse_imageclasslist', 'write_random_split'], '.exdark'),
    **dict.fromkeys(['MINI_CLASSES', 'MINI_EXDARK_HARD', 'make_mini_exdark'], '.mini_exdark'),
    **dict.fromkeys(['ACDCDataset', 'ACDC_CONDITIONS'], '.acdc'),
    **dict.fromkeys(['DarkFaceDataset', 'parse_darkface_label', 'write_darkface_split'],
                    '.darkface'),
})
