"""configs/bgl: both solvers build and train a few iterations on a tiny SID set (Runner)."""
from __future__ import annotations

import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

import mmruas  # noqa: F401

from .test_sid import make_tiny_sid

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def _cfg(name: str, root: str, work_dir: str) -> Config:
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'bgl', name))
    cfg.work_dir = work_dir
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dl = cfg[key]
        dl.num_workers, dl.persistent_workers = 0, False
        dl.dataset.data_root = root
        dl.dataset.ann_file = 'Sony_train_list.txt' if key == 'train_dataloader' else \
            'Sony_test_list.txt'
    cfg.train_dataloader.dataset.pipeline[2].crop_size = (32, 48)
    cfg.model.generator.base_channels = 8
    if cfg.model.solver.type == 'IBGL':
        cfg.model.solver.k = 3           # the config's k = 80 is checked on the raw config
    cfg.train_cfg.max_iters = 3
    cfg.train_cfg.val_interval = 3
    cfg.custom_hooks[0].warmup_iters = 1
    for group in ('upper', 'lower'):
        cfg.param_scheduler[group][0].end = 1
        cfg.param_scheduler[group][1].begin = 1
        cfg.param_scheduler[group][1].end = 3
        cfg.param_scheduler[group][1].T_max = 2
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.interval = 3
    return cfg


@pytest.mark.parametrize('name,solver', [('bgl_sid_tbgl.py', 'TBGL'), ('bgl_sid_ibgl.py', 'IBGL')])
def test_config_runs(tmp_path, name, solver):
    raw = Config.fromfile(osp.join(REPO, 'configs', 'bgl', name))
    assert raw.model.solver.type == solver
    assert raw.model.generator.num_scales == 4
    if solver == 'IBGL':
        assert raw.model.solver.k == 80 and 'delta' not in raw.model.solver
        assert raw.model.solver.get('fresh_batches', True)
    assert raw.train_dataloader.batch_size == 2
    assert raw.train_dataloader.dataset.pipeline[2].crop_size == (512, 512)
    root = make_tiny_sid(tmp_path / 'sid')
    runner = Runner.from_cfg(_cfg(name, root, str(tmp_path / 'work')))
    model = runner.model
    before = {k: v.detach().clone() for k, v in model.state_dict().items()}
    runner.train()
    assert type(model.solver).__name__ == solver
    assert model.search_step.phase == 'bilevel'
    hook = next(h for h in runner.hooks if type(h).__name__ == 'BGLHook')
    # IBGL: k − 1 = 2 fresh lower batches from the loop's stream in each of the 2 bilevel
    # iterations; TBGL draws none
    assert hook.state['lower_batches'] == (4 if solver == 'IBGL' else 0)
    after = model.state_dict()
    for prefix in ('generator.', 'task.'):          # both levels were trained
        assert any(not torch.equal(before[k], after[k]) for k in before if k.startswith(prefix))
    # lr: warm start at 1e-4, then the upper/lower rates of the paper
    lrs = runner.optim_wrapper.get_lr()
    assert lrs['upper.lr'][0] < 3e-3 and lrs['lower.lr'][0] < 3e-3
    assert osp.isfile(osp.join(runner.work_dir, 'search_split.json'))
    assert osp.isfile(osp.join(runner.work_dir, 'iter_3.pth'))
    metrics = runner.val_loop.run()
    assert set(metrics) >= {'PSNR', 'SSIM'} and metrics['PSNR'] > 0


def test_benchmark_measures_both_solvers():
    """tools/analysis_tools/benchmark_bgl.py's in-process measurement, tiny sizes."""
    import argparse
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        'benchmark_bgl', osp.join(REPO, 'tools', 'analysis_tools', 'benchmark_bgl.py'))
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'bgl', 'bgl_sid_tbgl.py'))
    cfg.model.generator.base_channels = 4
    args = argparse.Namespace(config='bgl_sid_tbgl.py', shape=[16, 16], batch_size=1,
                              device='cpu', warmup=1, iters=1)
    for solver in (dict(type='TBGL', delta=0.01), dict(type='IBGL', k=2)):
        r = bench.measure(cfg, solver, args)
        assert r['solver'] == solver['type'] and r['s_per_outer_iter'] > 0
        assert r['peak_extra_mib'] >= 0 and r['memory'].startswith('CPU peak RSS')
