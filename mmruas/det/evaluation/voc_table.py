"""VOC mAP with a per-class AP table laid out like RUAS-TPAMI Table X (classes as columns).

mmdet's ``VOCMetric`` logs one row per class (``print_map_summary``) and returns only the
mean; :class:`ExDarkVOCMetric` computes the same numbers with mmdet's ``eval_map`` (same
matching, legacy ``+1`` box sizes as ``VOCMetric``), logs the classes as columns and
returns every class's AP as well.
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np
from mmdet.evaluation.functional import eval_map
from mmdet.evaluation.metrics import VOCMetric
from mmdet.registry import METRICS
from mmengine.logging import print_log

from ...evaluation.ap_table import format_ap_table

__all__ = ['ExDarkVOCMetric']


@METRICS.register_module()
class ExDarkVOCMetric(VOCMetric):
    """VOC mAP (default: IoU 0.5, ``'area'`` AP) with per-class APs in the result.

    Returns ``mAP`` (mean over ``iou_thrs``), ``AP50`` (rounded to 3 decimals, as
    ``VOCMetric``) and ``AP50_<class>`` for each class with ground truth; classes without
    ground truth print ``-`` and, as in ``eval_map``, do not count in the mean. The table
    (rows: ground truths, detections, AP per IoU threshold) goes to the current logger and
    stays in ``self.table``.

    Args:
        iou_thrs: IoU threshold(s).
        eval_mode: ``'area'`` (VOC2010+, the default) or ``'11points'``.
        **kwargs: ``collect_device``, ``prefix``.
    """

    def __init__(self, iou_thrs: float | list[float] = 0.5, eval_mode: str = 'area',
                 **kwargs) -> None:
        for key in ('metric', 'scale_ranges', 'proposal_nums'):
            if key in kwargs:
                raise ValueError(f'ExDarkVOCMetric computes mAP over all scales; {key!r} '
                                 'is not supported (use mmdet VOCMetric)')
        super().__init__(iou_thrs=iou_thrs, eval_mode=eval_mode, metric='mAP', **kwargs)
        self.table = ''

    def compute_metrics(self, results: list) -> dict:
        """Per-class and mean AP from the processed ``(annotation, detections)`` pairs."""
        gts, preds = zip(*results)
        classes = list(self.dataset_meta['classes'])
        out: OrderedDict[str, float] = OrderedDict()
        rows, mean_aps = [], []
        for thr in self.iou_thrs:
            mean_ap, per_class = eval_map(preds, gts, iou_thr=thr, dataset=classes,
                                          logger='silent', eval_mode=self.eval_mode,
                                          use_legacy_coordinate=True)
            tag = f'AP{int(round(thr * 100)):02d}'
            aps = [float(r['ap']) if r['num_gts'] > 0 else None for r in per_class]
            if not rows:
                rows.append(('gts', [int(r['num_gts']) for r in per_class], ''))
                rows.append(('dets', [int(r['num_dets']) for r in per_class], ''))
            rows.append((f'{tag} (IoU {thr:g})', aps, float(mean_ap)))
            mean_aps.append(mean_ap)
            out[tag] = round(float(mean_ap), 3)
            for name, ap in zip(classes, aps):
                if ap is not None:
                    out[f'{tag}_{name}'] = ap
        out['mAP'] = float(np.mean(mean_aps))
        out.move_to_end('mAP', last=False)
        self.table = format_ap_table(classes, rows)
        print_log('\nper-class AP (' + self.eval_mode + ')\n' + self.table, logger='current')
        return dict(out)
