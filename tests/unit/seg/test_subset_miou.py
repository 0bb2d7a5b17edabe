"""Class-subset mIoU of SegTableIoUMetric (RUAS-TPAMI Table XI: 17 classes, BGL Table 2: 16)
against a hand computation where the 16-, 17-, 18- and 19-class means all differ."""
from __future__ import annotations

import pytest
import torch
from mmseg.datasets import CityscapesDataset

from mmruas.seg.evaluation.seg_table import (
    BGL_TABLE2_CLASSES,
    CLASS_SUBSETS,
    TPAMI_TABLE_XI_CLASSES,
    SegTableIoUMetric,
)

CLASSES = CityscapesDataset.METAINFO['classes']


def _areas(iou_percent: dict[str, float | None]) -> tuple[torch.Tensor, ...]:
    """Per-class areas with a chosen IoU: 100 labelled pixels of which ``k`` predicted (and
    nothing else predicted), so IoU = k / 100; ``None``: class absent (IoU NaN)."""
    inter, union, pred, label = (torch.zeros(19, dtype=torch.float64) for _ in range(4))
    for i, c in enumerate(CLASSES):
        k = iou_percent.get(c, 50.0)
        if k is None:
            continue
        inter[i], pred[i], label[i] = k, k, 100
        union[i] = 100
    return inter, union, pred, label


def test_class_lists_follow_the_captions():
    assert len(TPAMI_TABLE_XI_CLASSES) == 17 and len(BGL_TABLE2_CLASSES) == 16
    assert set(CLASSES) - set(TPAMI_TABLE_XI_CLASSES) == {'truck', 'bus'}
    assert set(CLASSES) - set(BGL_TABLE2_CLASSES) == {'truck', 'bus', 'motorcycle'}
    assert CLASS_SUBSETS['ruas_tpami_table_xi'] == TPAMI_TABLE_XI_CLASSES


def test_subset_means_by_hand():
    # every class 50 % except: truck 10, bus 20, motorcycle 80, train absent (NaN)
    ious = {'truck': 10.0, 'bus': 20.0, 'motorcycle': 80.0, 'train': None}
    m = SegTableIoUMetric(subsets=dict(mIoU17='ruas_tpami_table_xi', mIoU16='bgl_table2',
                                       mIoU18=[c for c in CLASSES if c != 'truck']))
    m.dataset_meta = dict(classes=CLASSES)
    half = _areas(ious)
    # two images, each with half the areas: the accumulation sums them
    out = m.compute_metrics([tuple(a / 2 for a in half), tuple(a / 2 for a in half)])
    # 19 classes, train NaN: 15 x 50 + 10 + 20 + 80 over 18
    assert out['mIoU'] == pytest.approx(round((15 * 50 + 10 + 20 + 80) / 18, 2))   # 47.78
    # 18 (no truck), train NaN: 15 x 50 + 20 + 80 over 17
    assert out['mIoU18'] == pytest.approx(round((15 * 50 + 20 + 80) / 17, 2))      # 50.0
    # Table XI's 17 (no truck, bus), train NaN: 15 x 50 + 80 over 16
    assert out['mIoU17'] == pytest.approx(round((15 * 50 + 80) / 16, 2))           # 51.88
    # BGL Table 2's 16 (no truck, bus, motorcycle), train NaN: 15 x 50 over 15
    assert out['mIoU16'] == pytest.approx(50.0)
    assert len({out['mIoU'], out['mIoU17'], out['mIoU16']}) == 3
    assert out['mIoU18'] != out['mIoU17']
    assert 'IoU_train' not in out and out['IoU_truck'] == pytest.approx(10.0)
    assert 'mIoU17 (17 classes, without truck, bus): 51.88' in m.table
    assert 'mIoU16 (16 classes, without truck, bus, motorcycle): 50.00' in m.table


def test_subset_errors():
    with pytest.raises(KeyError, match='unknown class subset'):
        SegTableIoUMetric(subsets=dict(mIoU17='table_xi'))
    with pytest.raises(ValueError, match='clashes'):
        SegTableIoUMetric(subsets=dict(mIoU='bgl_table2'))
    m = SegTableIoUMetric(subsets=dict(mIoU2=['road', 'lorry']))
    m.dataset_meta = dict(classes=CLASSES)
    with pytest.raises(KeyError, match="'lorry'"):
        m.compute_metrics([_areas({})])


def test_subset_through_process():
    """The evaluator path: predictions and labels as mmseg data samples."""
    m = SegTableIoUMetric(subsets=dict(mIoU17='ruas_tpami_table_xi'))
    m.dataset_meta = dict(classes=CLASSES)
    gt = torch.tensor([[0, 0, 14, 14], [15, 15, 17, 17]])      # road, truck, bus, motorcycle
    pred = torch.tensor([[0, 0, 0, 14], [15, 0, 17, 17]])
    m.process({}, [dict(pred_sem_seg=dict(data=pred[None]),
                        gt_sem_seg=dict(data=gt[None]))])
    out = m.compute_metrics(m.results)
    # road: I 2, U 2 + 4 - 2 = 4 -> 50; truck 1/2 = 50; bus 1/2 = 50; motorcycle 2/2 = 100
    assert out['IoU_road'] == pytest.approx(50.0) and out['IoU_motorcycle'] == 100.0
    assert out['mIoU'] == pytest.approx(62.5)          # (50 + 50 + 50 + 100) / 4
    assert out['mIoU17'] == pytest.approx(75.0)        # road and motorcycle only
