"""ExDark data set (as distributed, with its quirks) and the per-class VOC metric."""
from __future__ import annotations

import os.path as osp

import numpy as np
import pytest
import torch
from mmdet.evaluation import VOCMetric
from mmdet.registry import DATASETS, METRICS
from mmengine.config import Config
from mmengine.registry import DefaultScope
from PIL import Image

import mmruas.det.datasets.exdark as exdark_mod
import mmruas.det.datasets.listed_det_dataset as listed_mod
import mmruas.det.evaluation.voc_table as voc_table_mod
from mmruas.det.datasets import EXDARK_CLASSES, ExDarkDataset, write_exdark_split
from mmruas.det.evaluation import ExDarkVOCMetric
from tests.helpers import REPO_DIR as REPO

TAIL = '0 0 0 0 0 0 0'
HEADER = '% bbGt version=3'
# folder, image name, format, (width, height), annotation lines (header added)
IMAGES = [
    ('Bicycle', '2015_00001.png', 'PNG', (64, 48),
     [f'bicycle 10 5 20 15 {TAIL}', f'people 30 10 12 30 {TAIL}',
      'Car 40 20 8 8 0 0 0 0 0 1 0']),
    ('Bicycle', '2015_00002.JPG', 'JPEG', (80, 60), [f'Motorbike 1 2 3 4 {TAIL}']),
    ('Car', '2015_00003.jpeg', 'JPEG', (50, 40), [f'CAR 0 0 50 40 {TAIL}']),
    ('People', '2015_00004.JPEG', 'JPEG', (40, 30), [f'People 5 5 10 10 {TAIL}']),
    ('Table', '2015_00005.jpg', 'JPEG', (32, 32), [f'table 2 3 20 25 {TAIL}',
                                                  f'Cup 4 4 6 6 {TAIL}']),
]
LIST = ['Name | Class | Light | In/Out | Train/Val/Test', '2015_00001.png 1 2 1 1',
        '2015_00002.JPG 1 6 2 1', '2015_00003.jpeg 5 1 2 2', '2015_00004.JPEG 11 3 1 3',
        '2015_00005.jpg 12 10 1 3']


def write(path, lines: list[str]) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(''.join(f'{line}\n' for line in lines))
    return str(path)


@pytest.fixture
def root(tmp_path):
    """A five-image ExDark tree in the distributed layout."""
    rng = np.random.default_rng(0)
    for folder, name, fmt, (w, h), lines in IMAGES:
        (tmp_path / 'ExDark' / folder).mkdir(parents=True, exist_ok=True)
        pixels = rng.integers(0, 60, (h, w, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(tmp_path / 'ExDark' / folder / name, format=fmt)
        write(tmp_path / 'ExDark_Annno' / folder / f'{name}.txt', [HEADER] + lines)
    write(tmp_path / 'imageclasslist.txt', LIST)
    return tmp_path


def ann(root, i: int):
    folder, name = IMAGES[i][:2]
    return root / 'ExDark_Annno' / folder / f'{name}.txt'


def names(ds: ExDarkDataset) -> list[str]:
    return [ds.get_data_info(i)['img_id'] for i in range(len(ds))]


def test_parse_boxes_labels_sizes(root):
    ds = ExDarkDataset(data_root=str(root))
    assert names(ds) == [name for _, name, *_ in IMAGES]
    assert ds.metainfo['classes'] == EXDARK_CLASSES and len(ds.metainfo['palette']) == 12
    info = ds.get_data_info(0)
    assert (info['width'], info['height']) == (64, 48)
    assert info['img_path'] == osp.join(str(root), 'ExDark', 'Bicycle', '2015_00001.png')
    assert [i['bbox'] for i in info['instances']] == [[10, 5, 30, 20], [30, 10, 42, 40],
                                                      [40, 20, 48, 28]]
    assert [EXDARK_CLASSES[i['bbox_label']] for i in info['instances']] == [
        'Bicycle', 'People', 'Car']
    assert [i['ignore_flag'] for i in info['instances']] == [0, 0, 1]
    assert ds.get_data_info(1)['instances'][0]['bbox'] == [1, 2, 4, 6]
    assert ds.get_data_info(1)['instances'][0]['bbox_label'] == EXDARK_CLASSES.index('Motorbike')
    assert [i['bbox_label'] for i in ds.get_data_info(4)['instances']] == [11, 7]
    assert ds.get_cat_ids(2) == [EXDARK_CLASSES.index('Car')]
    assert not ds.clipped
    built = DATASETS.build(dict(type='ExDarkDataset', data_root=str(root), split='test'))
    assert isinstance(built, ExDarkDataset) and len(built) == 2


def test_splits_filters_and_name_lists(root):
    def ids(**kw):
        return [n[:10] for n in names(ExDarkDataset(data_root=str(root), **kw))]

    assert ids(split='train') == ['2015_00001', '2015_00002']
    assert ids(split='val') == ['2015_00003']
    assert ids(split='test') == ['2015_00004', '2015_00005']
    assert ids(light='Low') == ['2015_00003']
    assert ids(light=[2, 'strong']) == ['2015_00001', '2015_00002']
    assert ids(split='test', in_out='indoor') == ['2015_00004', '2015_00005']
    assert ids(in_out=2) == ['2015_00002', '2015_00003']
    write(root / 'names.txt', ['# my test list', 'Table/2015_00005.JPG', '', '2015_00001.png'])
    assert ids(ann_file='names.txt') == ['2015_00005', '2015_00001']
    assert ids(ann_file='names.txt', light='twilight') == ['2015_00005']
    with pytest.raises(ValueError, match='split or ann_file'):
        ExDarkDataset(data_root=str(root), split='train', ann_file='names.txt')
    with pytest.raises(ValueError, match='split must be one of'):
        ExDarkDataset(data_root=str(root), split='trainval')
    with pytest.raises(ValueError, match='light must be codes 1..10'):
        ExDarkDataset(data_root=str(root), light='Dusk')
    write(root / 'bad.txt', ['2015_00001.png', '2015_09999.png'])
    with pytest.raises(FileNotFoundError, match=r'bad\.txt:2'):
        ExDarkDataset(data_root=str(root), ann_file='bad.txt')
    assert ids(ann_file='bad.txt', strict=False) == ['2015_00001']
    write(root / 'twice.txt', ['2015_00001.png', '2015_00001.PNG'])
    with pytest.raises(ValueError, match=r'twice\.txt:2: .* already listed on line 1'):
        ExDarkDataset(data_root=str(root), ann_file='twice.txt')


@pytest.mark.parametrize('line, message', [
    (f'Car 1 2 3 {TAIL}', r'expected <class> and 11 integers, got 11'),
    ('Car 1 2 3 4 0 0 0 0 0 0 x', 'non-integer field'),
    (f'Truck 1 2 3 4 {TAIL}', "unknown class 'Truck'"),
    (f'Car 1 2 0 4 {TAIL}', 'non-positive box size 0 x 4'),
    (f'Car 70 2 5 5 {TAIL}', r'lies outside the 64 x 48 image'),
    (f'Car -9 2 5 5 {TAIL}', r'lies outside'),
])
def test_malformed_annotation_line_names_file_and_line(root, line, message):
    write(ann(root, 0), [HEADER, f'bicycle 10 5 20 15 {TAIL}', line])
    with pytest.raises(ValueError, match=message) as err:
        ExDarkDataset(data_root=str(root))
    assert f'{ann(root, 0)}:3:' in str(err.value)


def test_missing_headers(root):
    write(ann(root, 3), [f'People 5 5 10 10 {TAIL}'])
    with pytest.raises(ValueError, match=r"2015_00004\.JPEG\.txt:1: missing header '% bbGt"):
        ExDarkDataset(data_root=str(root))
    write(root / 'imageclasslist.txt', LIST[1:])
    with pytest.raises(ValueError, match=r'imageclasslist\.txt:1: missing header'):
        ExDarkDataset(data_root=str(root), split='train')
    write(root / 'imageclasslist.txt', LIST[:2] + ['2015_00002.JPG 1 6 2 4'])
    with pytest.raises(ValueError, match=r'imageclasslist\.txt:3: split code 4 not in 1..3'):
        ExDarkDataset(data_root=str(root), split='train')


def test_unpaired_files(root, monkeypatch):
    logged = []
    for mod in (exdark_mod, listed_mod):
        monkeypatch.setattr(mod, 'print_log', lambda msg, **kw: logged.append(msg))
    img = root / 'ExDark' / 'Car' / '2015_00003.jpeg'
    img.rename(root / 'moved.jpeg')
    with pytest.raises(FileNotFoundError,
                       match=r'annotation without image: .*Car/2015_00003\.jpeg\.txt \(1 in'):
        ExDarkDataset(data_root=str(root))
    assert names(ExDarkDataset(data_root=str(root), strict=False))[2] == '2015_00004.JPEG'
    assert 'annotation without image' in logged[0]
    # listed in imageclasslist, but the image is gone
    with pytest.raises(FileNotFoundError, match=r'annotation without image'):
        ExDarkDataset(data_root=str(root), split='val')
    with pytest.raises(ValueError, match='no image chosen'):
        ExDarkDataset(data_root=str(root), split='val', strict=False)
    assert any('2015_00003.jpeg (imageclasslist.txt:4)' in m for m in logged)
    (root / 'moved.jpeg').rename(img)
    ann(root, 1).unlink()
    with pytest.raises(FileNotFoundError,
                       match=r'image without annotation: .*Bicycle/2015_00002\.JPG \(1 in'):
        ExDarkDataset(data_root=str(root))
    assert len(ExDarkDataset(data_root=str(root), strict=False)) == 4


def test_partly_outside_box_is_clipped_with_warning(root, monkeypatch):
    logged = []
    monkeypatch.setattr(exdark_mod, 'print_log', lambda msg, **kw: logged.append(msg))
    write(ann(root, 0), [HEADER, f'Dog -4 40 20 20 {TAIL}', f'cat 60 0 10 10 {TAIL}'])
    ds = ExDarkDataset(data_root=str(root))
    assert [i['bbox'] for i in ds.get_data_info(0)['instances']] == [[0, 40, 16, 48],
                                                                     [60, 0, 64, 10]]
    assert ds.clipped == [f'{ann(root, 0)}:2', f'{ann(root, 0)}:3']
    assert len(logged) == 1 and 'clipped 2 box(es)' in logged[0] and str(ann(root, 0)) in logged[0]


def test_filter_cfg(root):
    write(ann(root, 2), [HEADER, 'car 0 0 50 40 0 0 0 0 0 1 0'])
    kw = dict(data_root=str(root), filter_cfg=dict(filter_empty_gt=True, min_size=33))
    assert [n[:10] for n in names(ExDarkDataset(**kw))] == ['2015_00001', '2015_00002']
    assert len(ExDarkDataset(test_mode=True, **kw)) == 5


def test_mmdet_pipeline_on_one_sample(root):
    pipeline = [dict(type='LoadImageFromFile', color_type='color_ignore_orientation'),
                dict(type='LoadAnnotations', with_bbox=True), dict(type='PackDetInputs')]
    with DefaultScope.overwrite_default_scope('mmdet'):
        out = ExDarkDataset(data_root=str(root), pipeline=pipeline)[0]
    assert tuple(out['inputs'].shape) == (3, 48, 64)
    sample = out['data_samples']
    assert sample.img_id == '2015_00001.png'
    assert sample.gt_instances.bboxes.tensor.tolist() == [[10, 5, 30, 20], [30, 10, 42, 40]]
    assert sample.gt_instances.labels.tolist() == [0, 10]
    assert sample.ignored_instances.bboxes.tensor.tolist() == [[40, 20, 48, 28]]


def test_base_config_builds_test_set_and_metric(root):
    cfg = Config.fromfile(osp.join(REPO, 'configs', '_base_', 'datasets', 'exdark.py'))
    # no key shared with the model base, so that a config can inherit both
    model_base = Config.fromfile(osp.join(REPO, 'configs', '_base_', 'models', 'ruas_ssd300.py'))
    assert not set(cfg.keys()) & set(model_base.keys())
    dataset_cfg = cfg.test_dataloader.dataset
    dataset_cfg.data_root = str(root)
    with DefaultScope.overwrite_default_scope('mmdet'):
        ds = DATASETS.build(dataset_cfg)
        out = ds[0]
        train = DATASETS.build(dict(cfg.train_dataloader.dataset, data_root=str(root)))
        aug = train[0]  # Expand, MinIoURandomCrop, Resize, RandomFlip, PhotoMetricDistortion
    assert len(ds) == 2 and tuple(out['inputs'].shape) == (3, 300, 300)
    assert len(train) == 2 and tuple(aug['inputs'].shape) == (3, 300, 300)
    assert out['data_samples'].gt_instances.bboxes.tensor.tolist() == [[5, 5, 15, 15]]
    metric = METRICS.build(cfg.test_evaluator)
    assert isinstance(metric, ExDarkVOCMetric) and metric.iou_thrs == [0.5]
    assert metric.eval_mode == 'area'


def det_sample(gt, gt_labels, pred, scores, labels) -> dict:
    """One data sample as mmengine's Evaluator passes it to VOCMetric.process."""
    def boxes(b):
        return torch.tensor(b, dtype=torch.float32).reshape(-1, 4)

    return dict(gt_instances=dict(bboxes=boxes(gt), labels=torch.tensor(gt_labels)),
                ignored_instances=dict(bboxes=boxes([]), labels=torch.zeros(0, dtype=torch.long)),
                pred_instances=dict(bboxes=boxes(pred), scores=torch.tensor(scores),
                                    labels=torch.tensor(labels, dtype=torch.long)))


CAR, PEOPLE = EXDARK_CLASSES.index('Car'), EXDARK_CLASSES.index('People')
GT_A = ([[10, 10, 50, 50], [60, 10, 90, 80]], [CAR, PEOPLE])
GT_B = ([[5, 5, 40, 40]], [CAR])


def evaluate(metric, samples) -> dict:
    metric.dataset_meta = dict(classes=EXDARK_CLASSES)
    metric.process({}, samples)
    return metric.evaluate(len(samples))


def test_voc_metric_perfect_and_hand_computed_ap(monkeypatch):
    logged = []
    monkeypatch.setattr(voc_table_mod, 'print_log', lambda msg, **kw: logged.append(msg))
    perfect = [det_sample(*GT_A, GT_A[0], [0.9, 0.9], GT_A[1]),
               det_sample(*GT_B, GT_B[0], [0.8], GT_B[1])]
    res = evaluate(METRICS.build(dict(type='ExDarkVOCMetric')), perfect)
    assert res['pascal_voc/mAP'] == 1.0 and res['pascal_voc/AP50'] == 1.0
    assert res['pascal_voc/AP50_Car'] == 1.0 and res['pascal_voc/AP50_People'] == 1.0
    assert 'pascal_voc/AP50_Dog' not in res
    header, *rows = [r for r in logged[0].splitlines() if r.startswith('|')]
    assert [c.strip() for c in header.split('|')[2:-1]] == list(EXDARK_CLASSES) + ['mAP']
    ap_row = [c.strip() for c in rows[-1].split('|')[1:-1]]
    assert ap_row[0] == 'AP50 (IoU 0.5)' and ap_row[1 + CAR] == '1.000'
    assert ap_row[1] == '-' and ap_row[-1] == '1.000'

    # Car: a false positive ranked first, then both cars -> precisions 0, 1/2, 2/3 at recalls
    # 0, 1/2, 1; the VOC 'area' envelope gives AP = 2/3. People: FP first, then the one
    # person -> AP = 1/2. mAP over the two present classes = 7/12.
    ranked = [det_sample(*GT_A, [[100, 100, 120, 120], GT_A[0][0], [0, 0, 9, 9], GT_A[0][1]],
                         [0.95, 0.9, 0.99, 0.5], [CAR, CAR, PEOPLE, PEOPLE]),
              det_sample(*GT_B, GT_B[0], [0.8], GT_B[1])]
    metric = ExDarkVOCMetric()
    res = evaluate(metric, ranked)
    assert res['pascal_voc/AP50_Car'] == pytest.approx(2 / 3, abs=1e-6)
    assert res['pascal_voc/AP50_People'] == pytest.approx(1 / 2, abs=1e-6)
    assert res['pascal_voc/mAP'] == pytest.approx(7 / 12, abs=1e-6)
    assert res['pascal_voc/AP50'] == 0.583
    assert 'Motorbike' in metric.table and '0.667' in metric.table
    stock = evaluate(VOCMetric(eval_mode='area'), ranked)
    assert stock['pascal_voc/mAP'] == pytest.approx(7 / 12, abs=1e-6)
    with pytest.raises(ValueError, match='scale_ranges'):
        ExDarkVOCMetric(scale_ranges=[(0, 32)])


def test_write_exdark_split(root):
    out = [str(root / 'splits' / 'a.txt'), str(root / 'splits' / 'b.txt')]
    a, b = write_exdark_split(str(root), out, sizes=(3, 2), seed=1)
    assert len(a) == 3 and len(b) == 2 and not set(a) & set(b)
    assert write_exdark_split(str(root), out, sizes=(3, 2), seed=1) == [a, b]
    ds = ExDarkDataset(data_root=str(root), ann_file='splits/b.txt')
    assert names(ds) == b
    with pytest.raises(ValueError, match='need 6 images'):
        write_exdark_split(str(root), out, sizes=(3, 3))
