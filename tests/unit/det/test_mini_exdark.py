"""The mini ExDark set: exact ExDark layout, true boxes, determinism, classes and splits."""
from __future__ import annotations

import hashlib
import os
import os.path as osp

import numpy as np
import pytest

from mmruas.det.datasets import EXDARK_CLASSES, ExDarkDataset, parse_imageclasslist
from mmruas.det.datasets.exdark import BBGT_HEADER, LIST_HEADER
from mmruas.det.datasets.mini_exdark import (
    BACKGROUNDS,
    MINI_CLASSES,
    compose_image,
    make_mini_exdark,
)

SIZES = dict(n_train=16, n_val=4, n_test=12)


def tree_digest(root: str) -> dict[str, str]:
    """``{relative path: sha1}`` of every file under ``root``."""
    out = {}
    for base, _, files in os.walk(root):
        for name in files:
            path = osp.join(base, name)
            with open(path, 'rb') as f:
                out[osp.relpath(path, root)] = hashlib.sha1(f.read()).hexdigest()
    return out


@pytest.fixture(scope='module')
def mini(tmp_path_factory) -> tuple[str, list[dict]]:
    root = str(tmp_path_factory.mktemp('mini_exdark'))
    return root, make_mini_exdark(root, seed=3, **SIZES)


def test_layout_is_exdark(mini):
    root, records = mini
    assert sorted(os.listdir(root)) == ['ExDark', 'ExDark_Annno', 'imageclasslist.txt']
    exts = set()
    for r in records:
        img = osp.join(root, 'ExDark', r['folder'], r['name'])
        ann = osp.join(root, 'ExDark_Annno', r['folder'], r['name'] + '.txt')
        assert osp.isfile(img) and osp.isfile(ann)
        lines = open(ann).read().splitlines()
        assert lines[0] == BBGT_HEADER
        assert len(lines) == 1 + len(r['objects'])
        for line in lines[1:]:
            fields = line.split()
            assert len(fields) == 12 and fields[0].lower() in {c.lower() for c in MINI_CLASSES}
            assert fields[5:] == ['0'] * 7
        assert r['folder'] == r['objects'][0][0]
        exts.add(osp.splitext(r['name'])[1])
    assert len(exts) >= 3   # mixed extensions, as distributed
    with open(osp.join(root, 'imageclasslist.txt')) as f:
        assert f.readline().strip() == LIST_HEADER


def test_parses_strictly_with_true_boxes(mini):
    root, records = mini
    ds = ExDarkDataset(data_root=root, strict=True, test_mode=True, pipeline=[])
    assert len(ds) == len(records) and not ds.clipped
    by_name = {r['name']: r for r in records}
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        r = by_name[info['img_id']]
        assert (info['width'], info['height']) == (r['width'], r['height'])
        got = [(EXDARK_CLASSES[o['bbox_label']], o['bbox']) for o in info['instances']]
        want = [(c, [float(v) for v in (x, y, x + w, y + h)]) for c, (x, y, w, h) in r['objects']]
        assert got == want
        for _, (x1, y1, x2, y2) in got:
            assert 0 <= x1 < x2 <= r['width'] and 0 <= y1 < y2 <= r['height']


def test_splits_and_classes(mini):
    root, records = mini
    table = parse_imageclasslist(osp.join(root, 'imageclasslist.txt'))
    assert len(table) == len(records)
    for split, n in (('train', SIZES['n_train']), ('val', SIZES['n_val']),
                     ('test', SIZES['n_test'])):
        ds = ExDarkDataset(data_root=root, split=split, test_mode=True, pipeline=[])
        assert len(ds) == n == sum(r['split'] == split for r in records)
    for r in records:
        e = table[r['name'].lower()]
        assert e['cls'] == EXDARK_CLASSES.index(r['folder']) + 1
        assert (e['light'], e['in_out']) == (r['light'], r['in_out'])
        assert 0.03 <= r['exposure'] <= 0.12
    assert len(MINI_CLASSES) >= 3
    for split in ('train', 'test'):
        classes = {c for r in records if r['split'] == split for c, _ in r['objects']}
        assert classes == set(MINI_CLASSES)


def test_boxes_cover_the_pasted_objects():
    rng = np.random.default_rng(0)
    labels = [EXDARK_CLASSES.index(c) for c in MINI_CLASSES]
    for i, background in enumerate(BACKGROUNDS):
        wanted = [labels[(i + j) % len(labels)] for j in range(1 + i % 3)]
        img, bg, objects = compose_image(rng, wanted, 240, 200, background)
        assert objects
        outside = np.ones(img.shape[:2], bool)
        for label, (x1, y1, x2, y2) in objects:
            assert label in labels and 0 <= x1 < x2 <= 240 and 0 <= y1 < y2 <= 200
            diff = np.abs(img[y1:y2, x1:x2].astype(int) - bg[y1:y2, x1:x2]).max(axis=2)
            assert (diff > 8).mean() > 0.4   # mostly object, not background
            # each border row/column of the box touches the object
            assert diff[0].max() > 0 and diff[-1].max() > 0
            assert diff[:, 0].max() > 0 and diff[:, -1].max() > 0
            outside[max(y1 - 2, 0):y2 + 2, max(x1 - 2, 0):x2 + 2] = False
        # beyond the boxes (and the feathered edge) the background is untouched
        assert np.array_equal(img[outside], bg[outside])


def test_deterministic(mini, tmp_path):
    root, _ = mini
    again = make_mini_exdark(str(tmp_path / 'a'), seed=3, **SIZES)
    assert tree_digest(str(tmp_path / 'a')) == tree_digest(root)
    other = make_mini_exdark(str(tmp_path / 'b'), seed=4, **SIZES)
    assert [r['objects'] for r in other] != [r['objects'] for r in again]


def test_rejects_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match='split sizes'):
        make_mini_exdark(str(tmp_path), n_train=0, n_val=0, n_test=0)
    with pytest.raises(ValueError, match='max_objects'):
        make_mini_exdark(str(tmp_path), max_objects=4)
    with pytest.raises(ValueError, match='exposure'):
        make_mini_exdark(str(tmp_path), exposure=(0.2, 0.1))


def test_demo_det_configs_chain(mini, tmp_path):
    """Stage 1's scene checkpoint loads into the demo detector, which trains on the set."""
    import torch
    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import DATASETS, MODELS, DefaultScope

    root, _ = mini
    from tests.helpers import REPO_DIR as repo
    stage1 = Config.fromfile(osp.join(repo, 'configs/demo/demo_det_stage1.py'))
    det = Config.fromfile(osp.join(repo, 'configs/demo/demo_det_train.py'))
    with DefaultScope.overwrite_default_scope('mmruas'):
        enhancer = MODELS.build(stage1.model)
        images = DATASETS.build(dict(stage1.train_dataloader.dataset, data_root=root))
    assert len(images) == SIZES['n_train']
    with torch.no_grad():
        for p in enhancer.scene.parameters():
            p.add_(0.01)
    ckpt = str(tmp_path / 'stage1.pth')
    torch.save(dict(state_dict=enhancer.state_dict()), ckpt)

    det.model.data_preprocessor.scene_checkpoint = ckpt
    with DefaultScope.overwrite_default_scope('mmdet'):
        model = MODELS.build(det.model)
        train = DATASETS.build(dict(det.train_dataloader.dataset, data_root=root))
    for (name, p), q in zip(model.data_preprocessor.scene.named_parameters(),
                            enhancer.scene.parameters()):
        assert torch.equal(p, q), name
    assert len(train) == SIZES['n_train']
    data = model.data_preprocessor(pseudo_collate([train[0], train[1]]), True)
    assert tuple(data['inputs'].shape) == (2, 3, 192, 192)
    losses = model(**data, mode='loss')
    total = sum(v.sum() if isinstance(v, torch.Tensor) else sum(v) for v in losses.values())
    assert torch.isfinite(total)
