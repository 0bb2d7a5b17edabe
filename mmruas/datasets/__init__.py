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
from .exdark import (  # noqa: E402
    EXDARK_CLASSES,
    EXDARK_LIGHTS,
    ExDarkDataset,
    parse_bbgt,
    parse_imageclasslist,
    write_random_split,
)

__all__ += ['ExDarkDataset', 'EXDARK_CLASSES', 'EXDARK_LIGHTS', 'parse_bbgt',
            'parse_imageclasslist', 'write_random_split']
from .mini_exdark import MINI_CLASSES, make_mini_exdark  # noqa: E402

__all__ += ['MINI_CLASSES', 'make_mini_exdark']
from .acdc import ACDC_CONDITIONS, ACDCDataset  # noqa: E402

__all__ += ['ACDCDataset', 'ACDC_CONDITIONS']
from .darkface import DarkFaceDataset, parse_darkface_label, write_darkface_split  # noqa: E402

__all__ += ['DarkFaceDataset', 'parse_darkface_label', 'write_darkface_split']
from .sid import SIDDataset, exposure_time, parse_sid_list  # noqa: E402

__all__ += ['SIDDataset', 'exposure_time', 'parse_sid_list']
