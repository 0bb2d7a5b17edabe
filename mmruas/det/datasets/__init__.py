"""The detection data sets (mmdet ``BaseDetDataset`` subclasses): ExDark, DARK FACE and the
generated mini ExDark in ExDark's layout."""
from .darkface import DarkFaceDataset, parse_darkface_label, write_darkface_split
from .exdark import (
    EXDARK_CLASSES,
    EXDARK_LIGHTS,
    ExDarkDataset,
    parse_bbgt,
    parse_imageclasslist,
    write_exdark_split,
)
from .listed_det_dataset import ListedDetDataset
from .mini_exdark import MINI_CLASSES, MINI_EXDARK_HARD, make_mini_exdark

__all__ = ['DarkFaceDataset', 'parse_darkface_label', 'write_darkface_split', 'EXDARK_CLASSES',
           'EXDARK_LIGHTS', 'ExDarkDataset', 'parse_bbgt', 'parse_imageclasslist',
           'write_exdark_split', 'ListedDetDataset', 'MINI_CLASSES', 'MINI_EXDARK_HARD',
           'make_mini_exdark']
