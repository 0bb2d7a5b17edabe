"""DARK FACE as distributed (docs/method.md#data-set-layouts), its AP metric and the PR-curve
tool."""
from __future__ import annotations

import logging
import os.path as osp
import pickle

import pytest
from mmdet.evaluation import DumpDetResults
from mmdet.registry import METRICS
from mmengine.logging import MMLogger

from mmruas.det.datasets import DarkFaceDataset, parse_darkface_label, write_darkface_split
from tests.helpers.data import FACES, make_darkface, metric_samples
from tests.helpers.tools import load_tool


def boxes(ds, i) -> list[list[float]]:
    return [x['bbox'] for x in ds.get_data_info(i)['instances']]


def test_parse_boxes_order_and_degenerate_drop(tmp_path):
    ds = DarkFaceDataset(data_root=make_darkface(tmp_path))
    assert ds.metainfo['classes'] == ('face',)
    assert [ds.get_data_info(i)['img_id'] for i in range(3)] == ['1', '2', '10']  # numeric
    info = ds.get_data_info(0)
    assert (info['width'], info['height']) == (96, 64)
    assert info['img_path'] == osp.join(str(tmp_path), 'image', '1.png')
    assert boxes(ds, 0) == [[10, 12, 30, 40], [50, 8, 70, 30]]
    assert boxes(ds, 1) == [[5.5, 6, 25, 33]]
    # '30 30 30 40' has width 0: dropped with its file and line; '40 20 90 47' clipped to 64
    assert boxes(ds, 2) == [[1, 2, 20, 22], [40, 20, 64, 47]]
    assert len(ds.dropped) == 1 and ds.dropped[0].startswith(
        osp.join(str(tmp_path), 'label', '10.txt') + ':3')
    assert {x['bbox_label'] for i in range(3) for x in ds.get_data_info(i)['instances']} == {0}


def test_ann_file_and_split(tmp_path):
    root = make_darkface(tmp_path)
    lists = write_darkface_split(root, [str(tmp_path / 'a.txt'), str(tmp_path / 'b.txt')],
                                 sizes=(2, 1), seed=0)
    assert sorted(lists[0] + lists[1]) == ['1.png', '10.png', '2.png']
    ds = DarkFaceDataset(data_root=root, ann_file=str(tmp_path / 'b.txt'))
    assert [ds.get_data_info(0)['img_id']] == [osp.splitext(lists[1][0])[0]]
    (tmp_path / 'c.txt').write_text('10.png\n# comment\n1\n')
    ds = DarkFaceDataset(data_root=root, ann_file=str(tmp_path / 'c.txt'))
    assert [ds.get_data_info(i)['img_id'] for i in range(len(ds))] == ['10', '1']
    with pytest.raises(ValueError, match='need 4 images'):
        write_darkface_split(root, [str(tmp_path / 'x.txt')], sizes=(4,))


@pytest.mark.parametrize('lines, match', [
    (['3', '1 2 20 22', '4 4 9 9'], r'10\.txt: the count line says 3 face\(s\), the file has 2'),
    (['2', '1 2 20 22', '4 4 x 9'], r'10\.txt:3: non-numeric field'),
    (['1', '1 2 20'], r'10\.txt:2: expected x1 y1 x2 y2, got 3'),
    (['two', '1 2 20 22'], r'10\.txt:1: expected the face count'),
    ([], r'10\.txt: empty label file'),
])
def test_label_errors_name_the_file(tmp_path, lines, match):
    root = make_darkface(tmp_path, dict(FACES, **{'10': ((64, 48), lines)}))
    with pytest.raises(ValueError, match=match):
        DarkFaceDataset(data_root=root)


def test_missing_files(tmp_path):
    root = make_darkface(tmp_path)
    (tmp_path / 'label' / '2.txt').unlink()
    with pytest.raises(FileNotFoundError, match=r'image without label: .*2\.png'):
        DarkFaceDataset(data_root=root)
    ds = DarkFaceDataset(data_root=root, strict=False)
    assert [ds.get_data_info(i)['img_id'] for i in range(len(ds))] == ['1', '10']
    (tmp_path / 'list.txt').write_text('1\n7\n')
    with pytest.raises(FileNotFoundError, match=r'list\.txt: no image .* for 7'):
        DarkFaceDataset(data_root=root, ann_file=str(tmp_path / 'list.txt'))
    with pytest.raises(FileNotFoundError, match='data_root not found'):
        DarkFaceDataset(data_root=str(tmp_path / 'nowhere'))
    assert parse_darkface_label(str(tmp_path / 'label' / '1.txt')) == [
        (2, [10., 12., 30., 40.]), (3, [50., 8., 70., 30.])]


def voc_ap(samples) -> float:
    metric = METRICS.build(dict(type='VOCMetric', iou_thrs=0.5, eval_mode='area'))
    metric.dataset_meta = dict(classes=('face',))
    metric.process({}, samples)
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        return metric.evaluate(len(samples))['pascal_voc/mAP']
    finally:
        logger.setLevel(level)


def test_metric_ap_one_for_ground_truth_and_zero_for_disjoint(tmp_path):
    root = make_darkface(tmp_path)
    exact = metric_samples(root, 0.0)
    # ground truth boxes stay in the original frame after the test Resize
    assert exact[0]['gt_instances']['bboxes'].tensor.tolist() == [[10, 12, 30, 40], [50, 8, 70, 30]]
    assert voc_ap(exact) == pytest.approx(1.0)
    disjoint = metric_samples(root, 200.0)
    assert voc_ap(disjoint) == pytest.approx(0.0)


def _plot_pr():
    return load_tool('analysis_tools', 'plot_pr.py')


def test_plot_pr_curve_and_skip_report(tmp_path, capsys):
    root = make_darkface(tmp_path / 'df')
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(f"default_scope = 'mmdet'\ncustom_imports = dict(imports=['mmruas'])\n"
                   f"test_dataloader = dict(dataset=dict(type='DarkFaceDataset', "
                   f"data_root={root!r}, test_mode=True, pipeline=[]))\n")
    paths = {}
    for name, shift, n in (('good', 0.0, 3), ('far', 200.0, 3), ('partial', 0.0, 2)):
        # written as tools/test.py --out writes them: mmdet's DumpDetResults
        paths[name] = str(tmp_path / f'{name}.pkl')
        dump = DumpDetResults(out_file_path=paths[name])
        dump.process({}, metric_samples(root, shift)[:n])
        dump.evaluate(n)
    with open(paths['good'], 'rb') as f:
        assert 'gt_instances' not in pickle.load(f)[0]     # the ground truth comes from the set
    (tmp_path / 'junk.pkl').write_bytes(b'not a pickle')
    tool = _plot_pr()
    out = tmp_path / 'pr.png'
    assert tool.main([str(cfg), paths['good'], paths['far'], '--out', str(out)]) == 0
    text = capsys.readouterr().out
    assert 'good.pkl: face AP50 = 1.0000' in text and 'far.pkl: face AP50 = 0.0000' in text
    assert out.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    classes, anns = tool.ground_truth(type('C', (dict,), {})(
        test_dataloader=dict(dataset=dict(type='DarkFaceDataset', data_root=root)),
        default_scope='mmdet'))
    curve = tool.pr_curves(tool.load_detections(paths['good'], anns, 1), anns, classes, 0.5)[0]
    assert curve['recall'][-1] == pytest.approx(1.0) and curve['precision'].min() == 1.0
    # bad files are skipped and reported; the others are drawn; exit status 1
    out.unlink()
    status = tool.main([str(cfg), paths['good'], str(tmp_path / 'junk.pkl'), paths['partial'],
                        str(tmp_path / 'gone.pkl'), '--out', str(out)])
    err = capsys.readouterr().err
    assert status == 1 and out.is_file()
    assert 'skipped' in err and 'junk.pkl: not a readable pickle' in err
    assert 'partial.pkl: covers 2 of the 3 test images' in err
    assert 'gone.pkl: no such file' in err
    with pytest.raises(tool.ToolError, match='no curve'):
        tool.main([str(cfg), str(tmp_path / 'junk.pkl'), '--out', str(tmp_path / 'x.png')])
    with pytest.raises(tool.ToolError, match='one of the input files'):
        tool.main([str(cfg), paths['good'], '--out', paths['good']])
