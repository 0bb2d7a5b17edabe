"""The detection metric: mmdet's VOC mAP with RUAS-TPAMI Table X's per-class table."""
from .voc_table import ExDarkVOCMetric

__all__ = ['ExDarkVOCMetric']
