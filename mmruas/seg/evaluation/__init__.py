"""The segmentation metric: mmseg's IoU with the papers' class-subset means."""
from .seg_table import BGL_TABLE2_CLASSES, TPAMI_TABLE_XI_CLASSES, SegTableIoUMetric

__all__ = ['SegTableIoUMetric', 'TPAMI_TABLE_XI_CLASSES', 'BGL_TABLE2_CLASSES']
