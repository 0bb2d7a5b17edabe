"""mIoU with a per-class IoU table laid out like RUAS-TPAMI Table 11 (classes as columns).

mmseg's ``IoUMetric`` logs one row per class and returns only the means;
:class:`SegTableIoUMetric` computes the same numbers (mmseg's own intersection/union
accumulation and ``total_area_to_metrics``), logs the classes as columns with the mIoU last,
and returns every class's IoU as well.
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np
from mmengine.logging import print_log
from mmseg.evaluation import IoUMetric
from mmseg.registry import METRICS

from .voc_table import format_ap_table

__all__ = ['SegTableIoUMetric']


@METRICS.register_module()
class SegTableIoUMetric(IoUMetric):
    """``IoUMetric`` (``iou_metrics=['mIoU']``) that also returns ``IoU_<class>``.

    Returns ``aAcc``, ``mIoU``, ``mAcc`` (percent, as ``IoUMetric``; classes absent from
    both ground truth and prediction are NaN and left out of the means) and ``IoU_<class>``
    for every class with a defined IoU. The table (rows IoU and Acc, classes as columns,
    means in the last column) goes to the current logger and stays in ``self.table``.

    Args:
        **kwargs: ``IoUMetric``'s (``ignore_index``, ``nan_to_num``, ``prefix``, ...).
    """

    def __init__(self, **kwargs) -> None:
        if kwargs.get('iou_metrics', ['mIoU']) != ['mIoU']:
            raise ValueError("SegTableIoUMetric reports mIoU; use mmseg's IoUMetric for "
                             f"iou_metrics={kwargs['iou_metrics']!r}")
        if kwargs.get('format_only'):
            raise ValueError("SegTableIoUMetric computes metrics; use mmseg's IoUMetric "
                             'with format_only=True to only write predictions')
        super().__init__(**kwargs)
        self.table = ''

    def compute_metrics(self, results: list) -> dict[str, float]:
        """Per-class IoU/Acc and their means from the accumulated areas."""
        areas = [sum(parts) for parts in zip(*results)]
        ret = self.total_area_to_metrics(*areas, self.metrics, self.nan_to_num, self.beta)
        classes = list(self.dataset_meta['classes'])
        iou, acc = (np.asarray(ret[k], dtype=np.float64) * 100 for k in ('IoU', 'Acc'))

        def mean(v: np.ndarray) -> float:
            return float(np.round(np.nanmean(v), 2)) if np.isfinite(v).any() else float('nan')

        out: OrderedDict[str, float] = OrderedDict(
            aAcc=float(np.round(float(ret['aAcc']) * 100, 2)), mIoU=mean(iou), mAcc=mean(acc))
        for name, v in zip(classes, iou):
            if np.isfinite(v):
                out[f'IoU_{name}'] = float(np.round(v, 2))
        rows = [('IoU', [float(v) if np.isfinite(v) else None for v in iou], out['mIoU']),
                ('Acc', [float(v) if np.isfinite(v) else None for v in acc], out['mAcc'])]
        self.table = format_ap_table(classes, rows, last='mean', digits=1)
        print_log(f'\nper-class IoU (%), aAcc {out["aAcc"]:.2f}\n{self.table}',
                  logger='current')
        return dict(out)
