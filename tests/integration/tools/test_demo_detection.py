"""`make demo` (tools/demo.py): every step of the detection main job leaves its artefact.

Runs the driver once in ``--smoke`` mode (a 10-image mini ExDark set, two iterations per
training step, input 96 px) as a subprocess, as ``make demo`` does.
"""
from __future__ import annotations

import json
import math
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmruas.det.datasets.mini_exdark import MINI_CLASSES
from tests.helpers import REPO_DIR as REPO

# ~1 min: `make demo` itself runs the full job; `make test-slow` runs this smoke version
pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def demo(tmp_path_factory) -> str:
    work = tmp_path_factory.mktemp('demo')
    (work / 'keep.txt').write_text('not the driver\'s')   # must survive the run
    (work / 'detections').mkdir()
    (work / 'detections' / 'stale.jpg').write_text('from an earlier run')   # must go
    proc = subprocess.run([sys.executable, osp.join(REPO, 'tools', 'demo.py'), '--smoke',
                           '--work-dir', str(work)], cwd=REPO, capture_output=True, text=True,
                          env=dict(os.environ, OMP_NUM_THREADS='1'), timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert 'RUAS (searched) + SSD' in proc.stdout and 'chance' in proc.stdout
    (work / 'stdout.txt').write_text(proc.stdout)
    return str(work)


def test_search_outputs(demo):
    search = osp.join(demo, 'search')
    genos = json.load(open(osp.join(search, 'genotypes.json')))
    assert any(k.startswith('data_preprocessor.scene.iem.') for k in genos)
    assert {'task.neck', 'task.bbox_head.reg_convs', 'task.bbox_head.cls_convs'} <= set(genos)
    split = json.load(open(osp.join(search, 'search_split.json')))
    assert len(split['train']) == len(split['val']) == 2   # halves of the 4 training images
    retrain = Config.fromfile(osp.join(search, 'retrain_config.py'))
    assert retrain.model.neck.genotype == genos['task.neck']
    assert retrain.model.bbox_head.cls_genotype == genos['task.bbox_head.cls_convs']
    scene = retrain.model.data_preprocessor.scene.iem.genotype
    assert scene == genos['data_preprocessor.scene.iem.stages.0.cell']
    # stage 1 trained the derived scene genotype
    stage1 = Config.fromfile(osp.join(demo, 'configs', 'stage1.py'))
    assert stage1.model.scene.iem.genotype == scene


def test_stage1_checkpoint_loads_into_trained_detector(demo):
    from mmdet.registry import MODELS
    from mmengine.registry import init_default_scope

    import mmruas  # noqa: F401

    cfg = Config.fromfile(osp.join(demo, 'configs', 'train.py'))
    ckpt = cfg.model.data_preprocessor.scene_checkpoint
    assert osp.dirname(ckpt) == osp.join(demo, 'stage1') and osp.isfile(ckpt)
    stage1 = torch.load(ckpt, map_location='cpu', weights_only=False)['state_dict']
    init_default_scope('mmdet')
    detector = MODELS.build(cfg.model)   # loads the scene checkpoint (strict)
    for name, p in detector.data_preprocessor.scene.state_dict().items():
        assert torch.equal(p, stage1[f'scene.{name}']), name
    trained = torch.load(osp.join(demo, 'train', 'iter_2.pth'), map_location='cpu',
                         weights_only=False)['state_dict']
    assert set(detector.state_dict()) == set(trained)


def test_test_metrics_pictures_and_plots(demo):
    summary = json.load(open(osp.join(demo, 'summary.json')))
    assert summary['per_class'] and set(summary['per_class']) <= set(MINI_CLASSES)
    assert 0 <= summary['mAP'] <= 1 and 0 <= summary['chance_mAP'] < 0.2
    assert set(summary['times_s']) == {'data', 'search', 'stage1', 'train', 'test', 'report',
                                       'total', 'train_noscene', 'test_noscene'}
    assert 0 <= summary['mAP_no_scene'] <= 1   # the no-scene row: same detector, no scene
    noscene = Config.fromfile(osp.join(demo, 'configs', 'train_noscene.py')).model
    trained = Config.fromfile(osp.join(demo, 'configs', 'train.py')).model
    assert noscene.data_preprocessor.type == 'DetDataPreprocessor'
    assert noscene.data_preprocessor.std == trained.data_preprocessor.std
    assert noscene.neck.genotype == trained.neck.genotype
    pictures = os.listdir(osp.join(demo, 'detections'))
    assert len(pictures) == summary['detection_pictures'] == 4
    plots = os.listdir(osp.join(demo, 'alpha_plots'))
    assert any(p.startswith('data_preprocessor_scene') for p in plots)
    assert any(p.startswith('task_neck') for p in plots)
    assert all(osp.getsize(osp.join(demo, 'alpha_plots', p)) > 0 for p in plots)
    assert 'mAP' in open(osp.join(demo, 'results.md')).read()
    assert open(osp.join(demo, 'keep.txt')).read() == 'not the driver\'s'


def test_alpha_entropies_reported(demo):
    """The search's mean α entropy per unit, recomputed from alpha_history.json's last
    entry, is in summary.json, results.md and the console output."""
    last = json.load(open(osp.join(demo, 'search', 'alpha_history.json')))[-1]
    expected = {}
    for name, alpha in last['alphas'].items():
        a = np.asarray(alpha, dtype=np.float64)
        if any(np.array_equal(a, np.asarray(last['alphas'][n])) for n in expected):
            continue   # the three IEM stages share α: reported once
        p = np.exp(a - a.max(-1, keepdims=True))
        p /= p.sum(-1, keepdims=True)
        expected[name] = (float(-(p * np.log(p)).sum(-1).mean()), math.log(a.shape[1]))
    assert len(expected) == 4   # scene cell, neck, reg convs, cls convs
    rows = json.load(open(osp.join(demo, 'summary.json')))['alpha_entropy']
    assert [r['unit'] for r in rows] == list(expected)
    results = open(osp.join(demo, 'results.md')).read()
    stdout = open(osp.join(demo, 'stdout.txt')).read()
    for r in rows:
        ent, uniform = expected[r['unit']]
        assert r['entropy'] == pytest.approx(ent, abs=1e-9)
        assert r['uniform'] == pytest.approx(uniform, abs=1e-12)
        assert r['decided'] == (ent <= 0.9 * uniform)
        cells = f'| {r["edges"]} | {r["ops"]} | {ent:.4f} | {uniform:.4f} |'
        assert cells in results and cells in stdout
    assert 'Mean α entropy' in results
