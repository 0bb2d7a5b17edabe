"""The segmentation data set (an mmseg ``BaseSegDataset``): ACDC's night images."""
from .acdc import ACDC_CONDITIONS, ACDCDataset

__all__ = ['ACDCDataset', 'ACDC_CONDITIONS']
