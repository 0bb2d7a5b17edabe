"""ACDCDataset (docs/method.md#data-set-layouts) and the Table-11 mIoU metric on a tiny ACDC-format
tree."""
from __future__ import annotations

import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.registry import DefaultScope
from mmengine.structures import PixelData
from mmseg.evaluation import IoUMetric
from mmseg.registry import DATASETS, METRICS
from mmseg.structures import SegDataSample
from PIL import Image

import mmruas  # noqa: F401
from mmruas.seg.datasets import ACDCDataset
from tests.helpers.data import label_path, make_tiny_acdc

PIPELINE = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
            dict(type='PackSegInputs')]


@pytest.fixture(scope='module')
def acdc(tmp_path_factory) -> tuple[str, dict]:
    root = str(tmp_path_factory.mktemp('acdc'))
    files = make_tiny_acdc(root, conditions=('night', 'fog'),
                           splits=(('train', 3), ('val', 2), ('test', 1)))
    return root, files


def build(**kwargs) -> ACDCDataset:
    with DefaultScope.overwrite_default_scope('mmseg'):
        return DATASETS.build(dict(type='ACDCDataset', **kwargs))


def infos(ds: ACDCDataset) -> list[dict]:
    return [ds.get_data_info(i) for i in range(len(ds))]


def test_lists_the_condition_and_split(acdc):
    root, files = acdc
    ds = build(data_root=root, split='train', pipeline=PIPELINE)
    assert len(ds) == 3
    assert [d['img_path'] for d in infos(ds)] == sorted(files['night/train'])
    assert [d['seg_map_path'] for d in infos(ds)] == [label_path(p) for p in
                                                         sorted(files['night/train'])]
    assert ds.metainfo['classes'][0] == 'road' and len(ds.metainfo['classes']) == 19
    assert len(build(data_root=root, condition='fog', split='val')) == 2
    both = build(data_root=root, condition=['night', 'fog'], split='val')
    assert len(both) == 4 and {osp.basename(osp.dirname(osp.dirname(osp.dirname(d['img_path']))))
                               for d in infos(both)} == {'night', 'fog'}
    test = build(data_root=root, split='test')
    assert len(test) == 1 and 'seg_map_path' not in infos(test)[0]


def test_loads_labels_with_255_ignored(acdc):
    root, files = acdc
    ds = build(data_root=root, split='val', pipeline=PIPELINE)
    sample = ds[0]['data_samples']
    expected = np.array(Image.open(label_path(sorted(files['night/val'])[0])))
    got = sample.gt_sem_seg.data[0].numpy()
    np.testing.assert_array_equal(got, expected)
    assert set(np.unique(got)) == {0, 2, 10, 13, 255}
    assert ds[0]['inputs'].shape == (3, 48, 64)


@pytest.mark.parametrize('bad', ['condition', 'split', 'prefix'])
def test_bad_arguments(acdc, bad):
    root, _ = acdc
    kwargs = dict(condition=dict(condition='dusk'), split=dict(split='testing'),
                  prefix=dict(data_prefix=dict(img_path='x')))[bad]
    with pytest.raises(ValueError, match={'condition': 'fog, night|fog', 'split': "'testing'",
                                          'prefix': 'data_prefix'}[bad]):
        build(data_root=root, **kwargs)


def test_missing_ground_truth_names_the_file(tmp_path):
    files = make_tiny_acdc(str(tmp_path))
    gone = label_path(files['night/train'][1])
    import os
    os.remove(gone)
    with pytest.raises(FileNotFoundError, match=osp.basename(gone)):
        build(data_root=str(tmp_path), split='train')
    # stage 1 reads images only
    assert len(build(data_root=str(tmp_path), split='train', check_labels=False)) == 2


def test_wrong_label_size_and_mode_name_the_file(tmp_path):
    files = make_tiny_acdc(str(tmp_path))
    lab = label_path(files['night/train'][0])
    Image.fromarray(np.zeros((40, 64), np.uint8), mode='L').save(lab)
    with pytest.raises(ValueError, match=r'GOPR0001_frame_000000_gt_labelTrainIds.png: label '
                                         r'image is 64x40, its image 64x48'):
        build(data_root=str(tmp_path), split='train')
    Image.fromarray(np.zeros((48, 64, 3), np.uint8)).save(lab)
    with pytest.raises(ValueError, match='mode RGB, expected a single-channel'):
        build(data_root=str(tmp_path), split='train')


def test_missing_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match='rgb_anon/night/train: no such directory'):
        build(data_root=str(tmp_path), split='train')
    (tmp_path / 'rgb_anon' / 'night' / 'val').mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match='no \\*_rgb_anon.png images'):
        build(data_root=str(tmp_path), split='val')


def _sample(pred: np.ndarray, gt: np.ndarray) -> dict:
    s = SegDataSample()
    s.pred_sem_seg = PixelData(data=torch.from_numpy(pred)[None].long())
    s.gt_sem_seg = PixelData(data=torch.from_numpy(gt)[None].long())
    return s.to_dict()


def test_table_metric_values_and_layout():
    classes = ('road', 'sidewalk', 'building')
    gt = np.array([[0, 0, 1, 1], [2, 2, 2, 255]])
    pred = np.array([[0, 1, 1, 1], [2, 2, 0, 0]])
    with DefaultScope.overwrite_default_scope('mmseg'):
        ours = METRICS.build(dict(type='SegTableIoUMetric'))
        ref = METRICS.build(dict(type='IoUMetric', iou_metrics=['mIoU']))
    for m in (ours, ref):
        m.dataset_meta = dict(classes=classes)
        m.process({}, [_sample(pred, gt)])
    res = ours.compute_metrics(ours.results)
    # by hand: road 1/(2+1+1-1)... inter/union: road 1/3, sidewalk 2/3, building 2/3 (255 ignored)
    np.testing.assert_allclose([res['IoU_road'], res['IoU_sidewalk'], res['IoU_building']],
                               [33.33, 66.67, 66.67], atol=0.01)
    assert res['mIoU'] == pytest.approx(55.56, abs=0.01)
    assert isinstance(ref, IoUMetric)
    expect = ref.compute_metrics(ref.results)
    for key in ('aAcc', 'mIoU', 'mAcc'):
        assert res[key] == pytest.approx(float(expect[key]))
    header = ours.table.splitlines()[1]
    assert [c.strip() for c in header.strip('|').split('|')] == ['', *classes, 'mean']
    assert '33.3' in ours.table and '55.6' in ours.table


def test_table_metric_perfect_prediction_and_absent_class():
    classes = ('road', 'sidewalk', 'building')
    gt = np.array([[0, 0, 2, 2]])
    with DefaultScope.overwrite_default_scope('mmseg'):
        m = METRICS.build(dict(type='SegTableIoUMetric'))
    m.dataset_meta = dict(classes=classes)
    m.process({}, [_sample(gt.copy(), gt)])
    res = m.compute_metrics(m.results)
    assert res['mIoU'] == 100.0 and res['aAcc'] == 100.0
    assert 'IoU_sidewalk' not in res   # absent from both: NaN, not counted
    row = m.table.splitlines()[3]
    assert ' - ' in row


def test_random_split_list_across_train_and_val(acdc, tmp_path):
    """The paper's random 400/106 draw: split=('train', 'val') with an ann_file of paths
    relative to data_root, in the list's order; a listed image that is not there is an error."""
    root, files = acdc
    chosen = [sorted(files['night/val'])[1], sorted(files['night/train'])[0]]
    lst = tmp_path / 'ruas_night_test.txt'
    lst.write_text('# seed 0\n' + ''.join(osp.relpath(p, root) + '\n' for p in chosen))
    ds = build(data_root=root, split=('train', 'val'), ann_file=str(lst), pipeline=PIPELINE)
    assert [d['img_path'] for d in infos(ds)] == chosen
    assert [d['seg_map_path'] for d in infos(ds)] == [label_path(p) for p in chosen]
    assert ds[0]['data_samples'].gt_sem_seg.data.shape[-2:] == (48, 64)
    assert len(build(data_root=root, split=('train', 'val'))) == 5
    lst.write_text('rgb_anon/night/val/nope_rgb_anon.png\n')
    with pytest.raises(FileNotFoundError, match='nope_rgb_anon.png'):
        build(data_root=root, split=('train', 'val'), ann_file=str(lst))
