"""configs/bgl: both solvers build and train a few iterations on a tiny SID set (Runner)."""
from __future__ import annotations

import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

import mmruas  # noqa: F401
from tests.helpers import REPO_DIR as REPO
from tests.helpers.data import make_tiny_sid
from tests.helpers.models import use_tiny_block
from tests.helpers.tools import load_tool


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
    assert model.search_step.phases == ('bilevel',)
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
    bench = load_tool('analysis_tools', 'benchmark_bgl.py')
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'bgl', 'bgl_sid_tbgl.py'))
    cfg.model.generator.base_channels = 4
    args = argparse.Namespace(config='bgl_sid_tbgl.py', shape=[16, 16], batch_size=1,
                              device='cpu', warmup=1, iters=1)
    for solver in (dict(type='TBGL', delta=0.01), dict(type='IBGL', k=2)):
        r = bench.measure(cfg, solver, args)
        assert r['solver'] == solver['type'] and r['s_per_outer_iter'] > 0
        assert r['peak_extra_mib'] >= 0 and r['memory'].startswith('CPU peak RSS')
        assert r['peak_total_mib'] >= r['peak_extra_mib']


EIGHT = ['PSNR', 'SSIM', 'LPIPS', 'VIF', 'FSIM', 'BRISQUE', 'NIQE', 'LOE']


def _lpips_files(tmp_path) -> tuple[str, str]:
    """A random AlexNet and random LPIPS linear layers as local files (no download)."""
    from torchvision.models import alexnet

    from mmruas.evaluation.metrics import LPIPSNet

    torch.manual_seed(0)
    net, lin = tmp_path / 'alexnet.pth', tmp_path / 'alex.pth'
    torch.save(alexnet(weights=None).state_dict(), net)
    torch.save({f'lin{k}.model.1.weight': torch.rand(1, c, 1, 1)
                for k, c in enumerate(LPIPSNet.CHANNELS)}, lin)
    return str(net), str(lin)


def test_sid_test_evaluator_has_the_eight_metrics(tmp_path):
    """BGL §4.1: eight enhancement metrics (Table 1: PSNR, SSIM, LPIPS, VIF, FSIM, BRISQUE;
    Table 3: NIQE, LOE) in both SID configs' test_evaluator; those registered run through
    the Runner's test loop on the tiny SID set (LPIPS on random local weights)."""
    from mmruas.registry import METRICS

    for name in ('bgl_sid_tbgl.py', 'bgl_sid_ibgl.py'):
        raw = Config.fromfile(osp.join(REPO, 'configs', 'bgl', name))
        assert [m['type'] for m in raw.test_evaluator] == EIGHT
        assert [m['type'] for m in raw.val_evaluator] == ['PSNR', 'SSIM']
    # 96 x 96: NIQE needs at least one 96 x 96 patch
    cfg = _cfg('bgl_sid_ibgl.py', make_tiny_sid(tmp_path / 'sid', size=(96, 96)),
               str(tmp_path / 'work'))
    net, lin = _lpips_files(tmp_path)
    registered = [m for m in cfg.test_evaluator if METRICS.get(m['type']) is not None]
    for m in registered:
        if m['type'] == 'LPIPS':
            m.update(net_weights=net, lin_weights=lin)
    cfg.test_evaluator = registered
    assert {m['type'] for m in registered} >= {'PSNR', 'SSIM', 'LPIPS', 'BRISQUE'}
    metrics = Runner.from_cfg(cfg).test()
    for m in registered:
        key = next(k for k in metrics if k.split('/')[-1] == m['type'])
        # the no-reference BRISQUE / NIQE are NaN on the untrained model's near-flat outputs
        # (no texture statistics): present, not checked for a value
        assert key in ('BRISQUE', 'NIQE') or np.isfinite(metrics[key]), key
    assert 0 <= metrics['SSIM'] <= 1 and metrics['LPIPS'] >= 0


def test_acdc_transfer_config_trains_and_reports_16_classes(tmp_path):
    """configs/bgl/bgl_transfer_deeplabv3plus_acdc.py on a tiny ACDC tree in its real
    layout: one training iteration (batch 5, lr 0.1, Chen et al.'s low-light RAW, the frozen
    block from a checkpoint) and its evaluator with BGL Table 2's 16-class mIoU beside the
    19-class one."""
    from tests.helpers.data import make_tiny_acdc
    from tests.helpers.seg import tiny

    root = str(tmp_path / 'acdc')
    make_tiny_acdc(root, splits=(('train', 5), ('val', 2)))
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'bgl',
                                   'bgl_transfer_deeplabv3plus_acdc.py'))
    assert cfg.train_dataloader.batch_size == 5 and cfg.optim_wrapper.optimizer.lr == 0.1
    tiny(cfg.model)
    block = use_tiny_block(cfg.model, tmp_path / 'bgl.pth')
    cfg.work_dir = str(tmp_path / 'work')
    train_pipe = cfg.train_dataloader.dataset.pipeline
    train_pipe[2].scale = (64, 48)                        # RandomResize
    train_pipe[3].crop_size = (32, 32)                    # RandomCrop
    cfg.val_dataloader.dataset.pipeline[1].scale = (64, 48)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dl = cfg[key]
        dl.num_workers, dl.persistent_workers = 0, False
        dl.dataset.data_root = root
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=1, val_interval=1)
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=2)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.default_hooks.visualization = dict(type='SegVisualizationHook', draw=False)
    cfg.env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend='gloo'))
    cfg.log_level = 'WARNING'
    runner = Runner.from_cfg(cfg)
    runner.train()
    scene = runner.model.data_preprocessor.scene.state_dict()
    assert all(torch.equal(scene[k], v) for k, v in block.state_dict().items())  # frozen
    metrics = runner.val_loop.run()
    assert {'mIoU', 'mIoU16'} <= set(metrics)
    assert 0 <= metrics['mIoU16'] <= 100 and 0 <= metrics['mIoU'] <= 100
