"""Each main config trains a few iterations on the device, with and without AMP.

The normal suite runs the ``cpu`` twins (one iteration, fp32: mmengine's AmpOptimWrapper
needs an accelerator); ``make test-cuda`` runs the ``cuda`` ones (three iterations, fp32 and
AMP fp16) and prints the seconds per iteration after the first. Every config runs as
``tools/train.py`` runs it (mmengine's Runner), on tiny fixture data, without pretrained
weights (none can be downloaded) and without validation.
"""
from __future__ import annotations

import time
import uuid
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner
from PIL import Image

import mmruas  # noqa: F401  (registers the components)
from tests.helpers import REPO
from tests.helpers.data import exdark_tree, make_darkface, make_tiny_acdc, make_tiny_sid
from tests.helpers.seg import SIZE as SEG_SIZE
from tests.helpers.seg import tiny


def _lol(cfg: Config, root: Path, device: str) -> None:
    """Three dark 330×340 images (the recipe crops 320² with a 1-pixel offset margin; 128² on
    the CPU)."""
    rng = np.random.default_rng(0)
    root.mkdir(parents=True)
    for i in range(3):
        Image.fromarray(rng.integers(0, 50, (330, 340, 3), dtype=np.uint8)).save(root / f'{i}.png')
    cfg.train_dataloader.dataset.data_root = str(root)
    if device == 'cpu':
        for t in cfg.train_dataloader.dataset.pipeline:
            if t.type == 'PairedRandomCrop':
                t.crop_size = 128


def _exdark(cfg: Config, root: Path, device: str) -> None:
    exdark_tree(root, n=4)
    # the paper's random split list (configs/_base_/datasets/exdark_ruas_split.py)
    (root / 'ruas_train.txt').write_text('2015_00000.jpg\n2015_00001.jpg\n')
    cfg.train_dataloader.dataset.data_root = str(root)
    cfg.train_dataloader.batch_size = 2
    cfg.model.backbone.init_cfg = None


def _darkface(cfg: Config, root: Path, device: str) -> None:
    """The config's 640² crops on the GPU, 320² on the CPU."""
    side = 640 if device == 'cuda' else 320
    make_darkface(root)
    (root / 'train.txt').write_text('1\n2\n')
    cfg.train_dataloader.dataset.data_root = str(root)
    cfg.train_dataloader.batch_size = 2
    for t in cfg.train_dataloader.dataset.pipeline:
        if t.type == 'RandomCrop':
            t.crop_size = (side, side)
        if t.type == 'Pad':
            t.size = (side, side)
    cfg.model.backbone.init_cfg = None


def _acdc(cfg: Config, root: Path, device: str) -> None:
    """The config's ResNet-101 at its 512×1024 crops on the GPU; on the CPU (where the dilated
    convolutions of output stride 8 take minutes) ResNet-18 V1c at width 8 on 48×64 crops."""
    make_tiny_acdc(str(root))
    cfg.train_dataloader.dataset.data_root = str(root)
    cfg.model.pretrained = None
    cfg.model.backbone.init_cfg = None
    if device == 'cpu':
        tiny(cfg.model)
        for t in cfg.train_dataloader.dataset.pipeline:
            if t.type == 'RandomCrop':
                t.crop_size = SEG_SIZE


def _sid(cfg: Config, root: Path, device: str) -> None:
    make_tiny_sid(str(root))
    ds = cfg.train_dataloader.dataset
    ds.data_root, ds.ann_file = str(root), 'Sony_train_list.txt'
    for t in ds.pipeline:
        if t.type == 'PackedRawRandomCrop':
            t.crop_size = (32, 48)
    cfg.custom_hooks[0].warmup_iters = 1     # the bilevel step from the second iteration


CASES = {   # name: (config, fixture)
    'enhance_lol5_recipe': ('configs/ruas_enhance/lol5/ruas_lol5_authors_recipe.py', _lol),
    'search_lol5_second_order': ('configs/ruas_enhance/search/ruas_search_lol5.py', _lol),
    'ssd_exdark': ('configs/ruas_ssd_exdark.py', _exdark),
    'dsfd_darkface': ('configs/ruas_dsfd_darkface.py', _darkface),
    'deeplabv3plus_acdc': ('configs/ruas_deeplabv3plus_acdc.py', _acdc),
    'bgl_sid_tbgl': ('configs/bgl/bgl_sid_tbgl.py', _sid),
}


def _amp(optim_wrapper: Config) -> None:
    """AmpOptimWrapper (fp16, dynamic loss scale) for the wrapper or each wrapper of a dict."""
    wrappers = [optim_wrapper] if 'type' in optim_wrapper else [
        v for v in optim_wrapper.values() if isinstance(v, dict) and 'type' in v]
    assert wrappers
    for w in wrappers:
        assert w.type == 'OptimWrapper', w.type
        w.type = 'AmpOptimWrapper'


class _Timer(Hook):
    """Seconds per training iteration (synchronised: tests, not the model, may sync)."""
    priority = 'LOWEST'

    def __init__(self) -> None:
        self.times: list[float] = []
        self.losses: list[dict] = []

    def _sync(self, runner) -> None:
        if next(runner.model.parameters()).is_cuda:
            torch.cuda.synchronize()

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        self._sync(runner)
        self._t = time.perf_counter()

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        self._sync(runner)
        self.times.append(time.perf_counter() - self._t)
        self.losses.append({k: float(v) for k, v in (outputs or {}).items()
                            if torch.is_tensor(v) and v.numel() == 1})


def _config(name: str, tmp_path: Path, device: str, iters: int, amp: bool) -> Config:
    path, fixture = CASES[name]
    cfg = Config.fromfile(str(REPO / path))
    fixture(cfg, tmp_path / 'data', device)
    if 'data_preprocessor' in cfg.model and 'scene_checkpoint' in cfg.model.data_preprocessor:
        cfg.model.data_preprocessor.scene_checkpoint = None   # stage 1 is not run here
    cfg.train_dataloader.update(num_workers=0, persistent_workers=False)
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=iters, val_interval=iters + 1)
    for k in ('val_dataloader', 'val_evaluator', 'val_cfg', 'test_dataloader',
              'test_evaluator', 'test_cfg', 'param_scheduler'):
        cfg[k] = None
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=iters + 1)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend='gloo'))
    cfg.randomness = dict(seed=0)
    cfg.update(work_dir=str(tmp_path / 'work'), log_level='WARNING',
               experiment_name=f'{name}_{uuid.uuid4().hex[:8]}')
    if amp:
        _amp(cfg.optim_wrapper)
    return cfg


@pytest.mark.parametrize('amp', [False, True], ids=['fp32', 'amp'])
@pytest.mark.parametrize('name', list(CASES))
def test_main_config_trains_on_device(name, amp, device, tmp_path, one_thread):
    if amp and device == 'cpu':
        pytest.skip("mmengine's AmpOptimWrapper runs on accelerators only")
    iters = 3 if device == 'cuda' else 1
    runner = Runner.from_cfg(_config(name, tmp_path, device, iters, amp))
    timer = _Timer()
    runner.register_hook(timer)
    model = runner.model
    before = {k: p.detach().clone() for k, p in model.named_parameters()}
    runner.train()

    assert {p.device.type for p in model.parameters()} == {device}
    assert len(timer.losses) == iters and all(timer.losses)
    for losses in timer.losses:
        assert all(np.isfinite(v) for v in losses.values()), losses
    moved = [k for k, p in model.named_parameters() if not torch.equal(p.detach(), before[k])]
    assert moved, 'no parameter changed'
    assert all(torch.isfinite(p).all() for p in model.parameters())
    per_iter = np.mean(timer.times[1:]) if len(timer.times) > 1 else timer.times[0]
    which = f'mean of iterations 2..{iters}' if iters > 1 else 'one iteration'
    print(f'\n[{device} {"amp" if amp else "fp32"}] {name}: {per_iter * 1e3:.1f} ms/iter '
          f'({which}), {len(moved)}/{len(before)} tensors moved, '
          f'last losses {timer.losses[-1]}')


class _ScaledWrapper:
    """The two calls of mmengine's AmpOptimWrapper that a step with given gradients meets
    (its constructor refuses a CPU-only machine): GradScaler.step, then update."""

    def __init__(self, optimizer: torch.optim.Optimizer, init_scale: float) -> None:
        self.optimizer = optimizer
        self.loss_scaler = torch.amp.GradScaler('cpu', init_scale=init_scale)

    def step(self) -> None:
        self.loss_scaler.step(self.optimizer)
        self.loss_scaler.update()

    def zero_grad(self) -> None:
        self.optimizer.zero_grad()


def test_given_gradient_step_under_a_loss_scaler_is_the_plain_step():
    """The search's and BGL's steps with gradients they computed themselves (hypergradients)
    move the parameters exactly as without AMP (p − lr·g), and a non-finite gradient skips the
    step and backs the scale off, as AMP does for a backward pass."""
    from mmruas.search.hypergradient import optimizer_step
    grads = [torch.tensor([0.5, -2.0]), torch.tensor([[1.0, 3.0]])]
    init = [torch.zeros(2), torch.ones(1, 2)]
    plain = [torch.nn.Parameter(t.clone()) for t in init]
    scaled = [torch.nn.Parameter(t.clone()) for t in init]
    optimizer_step(_Plain(torch.optim.SGD(plain, lr=0.1)), plain, grads)
    wrapper = _ScaledWrapper(torch.optim.SGD(scaled, lr=0.1), init_scale=2.0 ** 16)
    optimizer_step(wrapper, scaled, grads)
    for p, q, t, g in zip(plain, scaled, init, grads):
        torch.testing.assert_close(p.detach(), t - 0.1 * g)
        torch.testing.assert_close(q.detach(), t - 0.1 * g)
    before = [p.detach().clone() for p in scaled]
    optimizer_step(wrapper, scaled, [torch.tensor([float('inf'), 0.0]), grads[1]])
    assert all(torch.equal(p.detach(), b) for p, b in zip(scaled, before))
    assert wrapper.loss_scaler.get_scale() == 2.0 ** 15


class _Plain:
    def __init__(self, optimizer: torch.optim.Optimizer) -> None:
        self.optimizer = optimizer

    def step(self) -> None:
        self.optimizer.step()

    def zero_grad(self) -> None:
        self.optimizer.zero_grad()
