"""mIoU with a per-class IoU table laid out like RUAS-TPAMI Table XI (classes as columns).

mmseg's ``IoUMetric`` logs one row per class and returns only the means;
:class:`SegTableIoUMetric` computes the same numbers (mmseg's own intersection/union
accumulation and ``total_area_to_metrics``), logs the classes as columns with the mIoU last,
and returns every class's IoU as well.

Class subsets (``subsets=dict(mIoU17='ruas_tpami_table_xi')``) add the mean IoU over a
named or listed set of classes beside the all-class mIoU, from the same accumulated areas:
RUAS-TPAMI Table XI averages 17 Cityscapes classes (no truck, no bus; the caption's
symbol set), BGL Table 2 averages 16 (no truck, bus, motorcycle; its caption's set).
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence

import numpy as np
from mmengine.logging import print_log
from mmseg.evaluation import IoUMetric
from mmseg.registry import METRICS

from ...evaluation.ap_table import format_ap_table

__all__ = ['SegTableIoUMetric', 'TPAMI_TABLE_XI_CLASSES', 'BGL_TABLE2_CLASSES',
           'CLASS_SUBSETS', 'resolve_subset']

# RUAS-TPAMI Table XI caption: {RO, SI, BU, WA, FE, PO, TL, TS, VE, TE, SK, PE, RI, CA, TR,
# MO, BI} -- the 19 Cityscapes classes without truck and bus.
TPAMI_TABLE_XI_CLASSES = (
    'road', 'sidewalk', 'building', 'wall', 'fence', 'pole', 'traffic light',
    'traffic sign', 'vegetation', 'terrain', 'sky', 'person', 'rider', 'car', 'train',
    'motorcycle', 'bicycle')
# BGL Table 2 caption: the same set without motorcycle (16 classes).
BGL_TABLE2_CLASSES = tuple(c for c in TPAMI_TABLE_XI_CLASSES if c != 'motorcycle')

CLASS_SUBSETS: dict[str, tuple[str, ...]] = {
    'ruas_tpami_table_xi': TPAMI_TABLE_XI_CLASSES,
    'bgl_table2': BGL_TABLE2_CLASSES,
}


def resolve_subset(spec: str | Sequence[str], classes: Sequence[str],
                   key: str = '') -> list[int]:
    """Indices into ``classes`` of a subset given by name (:data:`CLASS_SUBSETS`) or as a
    list of class names; a one-line ``KeyError`` for an unknown name or class."""
    if isinstance(spec, str):
        if spec not in CLASS_SUBSETS:
            raise KeyError(f'subsets[{key!r}]: unknown class subset {spec!r}; use one of '
                           f'{sorted(CLASS_SUBSETS)} or a list of class names')
        spec = CLASS_SUBSETS[spec]
    names = list(spec)
    if not names or len(set(names)) != len(names):
        raise ValueError(f'subsets[{key!r}]: needs distinct class names, got {names}')
    missing = [n for n in names if n not in classes]
    if missing:
        raise KeyError(f'subsets[{key!r}]: class {missing[0]!r} is not among the data '
                       f"set's classes {list(classes)}")
    return [list(classes).index(n) for n in names]


@METRICS.register_module()
class SegTableIoUMetric(IoUMetric):
    """``IoUMetric`` (``iou_metrics=['mIoU']``) that also returns ``IoU_<class>``.

    Returns ``aAcc``, ``mIoU``, ``mAcc`` (percent, as ``IoUMetric``; classes absent from
    both ground truth and prediction are NaN and left out of the means) and ``IoU_<class>``
    for every class with a defined IoU. The table (rows IoU and Acc, classes as columns,
    means in the last column) goes to the current logger and stays in ``self.table``.

    With ``subsets``, each entry ``name=spec`` adds ``name``: the mean IoU over the
    subset's classes (NaN classes left out, rounded as ``mIoU``); the table lists them
    below the per-class rows.

    Args:
        subsets: result key -> a :data:`CLASS_SUBSETS` name (``'ruas_tpami_table_xi'``,
            ``'bgl_table2'``) or a list of class names, e.g.
            ``dict(mIoU17='ruas_tpami_table_xi')``.
        **kwargs: ``IoUMetric``'s (``ignore_index``, ``nan_to_num``, ``prefix``, ...).
    """

    def __init__(self, subsets: Mapping[str, str | Sequence[str]] | None = None,
                 **kwargs) -> None:
        if kwargs.get('iou_metrics', ['mIoU']) != ['mIoU']:
            raise ValueError("SegTableIoUMetric reports mIoU; use mmseg's IoUMetric for "
                             f"iou_metrics={kwargs['iou_metrics']!r}")
        if kwargs.get('format_only'):
            raise ValueError("SegTableIoUMetric computes metrics; use mmseg's IoUMetric "
                             'with format_only=True to only write predictions')
        super().__init__(**kwargs)
        self.subsets = dict(subsets or {})
        for key, spec in self.subsets.items():
            if key in ('aAcc', 'mIoU', 'mAcc') or key.startswith('IoU_'):
                raise ValueError(f'subsets: key {key!r} clashes with a result key')
            if isinstance(spec, str):   # names checked now, classes once the meta is known
                resolve_subset(spec, CLASS_SUBSETS.get(spec, ()), key)
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
        notes = []
        for key, spec in self.subsets.items():
            idx = resolve_subset(spec, classes, key)
            out[key] = mean(iou[idx])
            left = [c for c in classes if c not in {classes[i] for i in idx}]
            notes.append(f'{key} ({len(idx)} classes, without {", ".join(left) or "none"}): '
                         f'{out[key]:.2f}')
        rows = [('IoU', [float(v) if np.isfinite(v) else None for v in iou], out['mIoU']),
                ('Acc', [float(v) if np.isfinite(v) else None for v in acc], out['mAcc'])]
        self.table = '\n'.join([format_ap_table(classes, rows, last='mean', digits=1)]
                               + notes)
        print_log(f'\nper-class IoU (%), aAcc {out["aAcc"]:.2f}\n{self.table}',
                  logger='current')
        return dict(out)
