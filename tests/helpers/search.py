"""Builders of the search tests: the enhancement search (LOL5 config) run through the Runner
with a recorder of phases and changed groups, its batches and optimiser wrappers, snapshots of
the search groups, and the BGL hypergradient formulas written out."""
from __future__ import annotations

import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mmruas.registry import MODELS, OPTIM_WRAPPER_CONSTRUCTORS
from mmruas.search import SEARCH_GROUPS

from . import REPO

LOL5_SEARCH_CFG = osp.join(REPO, 'configs', 'ruas_enhance', 'search', 'ruas_search_lol5.py')


@pytest.fixture(autouse=True)
def _scope(one_thread):
    init_default_scope('mmruas')


def _model():
    torch.manual_seed(0)
    return MODELS.build(Config.fromfile(LOL5_SEARCH_CFG).model)


class _Recorder(Hook):
    """Phase and parameter snapshots of every iteration."""

    priority = 'LOWEST'

    def __init__(self):
        self.phases, self.changed = [], []

    def _snap(self, runner):
        groups = runner.model.search_groups()
        return {k: [p.detach().clone() for p in v] for k, v in groups.items()}

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.phases.append('+'.join(runner.model.search_step.phases))
        self._before = self._snap(runner)

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        after = self._snap(runner)
        self.changed.append({k for k in after if any(
            not torch.equal(a, b) for a, b in zip(after[k], self._before[k]))})


def _images(root, n=4):
    rng = np.random.default_rng(0)
    for i in range(n):
        img = rng.integers(0, 80, (16, 16, 3), dtype=np.uint8)
        assert cv2.imwrite(osp.join(root, f'{i}.png'), img)


def _run(tmp_path, strategy, max_iters=6, phase_iters=(2, 1), order=2, stop_at=None,
         resume=None, **hook):
    img_dir = tmp_path / 'low'
    img_dir.mkdir(parents=True, exist_ok=True)
    _images(str(img_dir))
    cfg = Config.fromfile(LOL5_SEARCH_CFG)
    cfg.work_dir = str(tmp_path / strategy)
    cfg.train_dataloader.dataset.data_root = str(img_dir)
    cfg.train_dataloader.dataset.pipeline = [dict(type='LoadLowLightImage'),
                                             dict(type='PackEnhanceInputs')]
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters,
                         val_interval=max_iters + 1)
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', by_epoch=False,
                                        interval=stop_at or 1000, save_last=False)
    if stop_at:     # an interrupted search: stops after the checkpoint of iteration stop_at
        cfg.train_cfg.max_iters = stop_at
    if resume:
        cfg.resume, cfg.load_from = True, resume
    hook.setdefault('retrain_base', cfg.custom_hooks[0].retrain_base)
    if strategy == 'cooperative' and 'cadence' not in hook:
        hook['phase_iters'] = phase_iters
    cfg.custom_hooks = [dict(type='CooperativeSearchHook', strategy=strategy, order=order,
                             **hook)]
    cfg.log_level = 'WARNING'
    runner = Runner.from_cfg(cfg)
    rec = _Recorder()
    runner.register_hook(rec)
    runner.train()
    return runner, rec


def _sgd_wrappers(model, lr_alpha=1.0):
    cfg = {k: dict(type='OptimWrapper', optimizer=dict(
        type='SGD', lr=lr_alpha if k.endswith('alpha') else 0.1)) for k in SEARCH_GROUPS}
    return OPTIM_WRAPPER_CONSTRUCTORS.build(dict(
        type='SearchOptimWrapperConstructor', optim_wrapper_cfg=cfg))(model)


def _batch(seed):
    g = torch.Generator().manual_seed(seed)
    from mmengine.structures import BaseDataElement
    return {'inputs': [torch.randint(0, 60, (3, 16, 16), dtype=torch.uint8, generator=g)
                       for _ in range(2)],
            'data_samples': [BaseDataElement(metainfo=dict(max_value=255)) for _ in range(2)]}



def sgd_wrappers(model, lr_w=0.1, lr_alpha=1.0):
    cfg = {k: dict(type='OptimWrapper', optimizer=dict(
        type='SGD', lr=lr_alpha if k.endswith('alpha') else lr_w)) for k in SEARCH_GROUPS}
    return OPTIM_WRAPPER_CONSTRUCTORS.build(dict(
        type='SearchOptimWrapperConstructor', optim_wrapper_cfg=cfg))(model)


def snapshot(model) -> dict[str, list[torch.Tensor]]:
    return {k: [p.detach().clone() for p in v] for k, v in model.search_groups().items()}


def changed_groups(model, before) -> set[str]:
    after = snapshot(model)
    return {k for k in after if any(not torch.equal(a, b) for a, b in zip(after[k], before[k]))}



def _flat(ts):
    return torch.cat([t.reshape(-1) for t in ts])


def _sgd(params, grads, lr):
    with torch.no_grad():
        for p, g in zip(params, grads):
            p.sub_(lr * g)


def _fd_hypergradient(problem, xi, delta):
    """One-step finite-difference hypergradient, written out: θ' = θ − ξ∇θL_G,
    v = ∇θ'L_F, u = ξv, ε = δ/‖u‖, G_F = ∇ωL_F(θ') − [∇ωL_G(θ + εu) − ∇ωL_G(θ − εu)]/2ε."""
    w, th = problem.alphas, problem.weights
    saved = [p.detach().clone() for p in th]

    def restore():
        with torch.no_grad():
            for p, s in zip(th, saved):
                p.copy_(s)

    _sgd(th, torch.autograd.grad(problem.train_loss(), th), xi)
    out = torch.autograd.grad(problem.val_loss(), [*w, *th])
    g_val, u = out[:len(w)], [xi * v for v in out[len(w):]]
    eps = delta / _flat(u).norm()
    diffs = []
    for sign in (1.0, -1.0):
        restore()
        _sgd(th, u, -sign * eps)
        diffs.append(torch.autograd.grad(problem.train_loss(), w))
    restore()
    return [gv - (gp - gm) / (2 * eps) for gv, gp, gm in zip(g_val, *diffs)]


def _ibgl_formula(problem):
    """G_F = ∇ωL_F − [(∇θL_F·∇θL_G)/(∇θL_G·∇θL_G)]·∇ωL_G, written out."""
    w, th = problem.alphas, problem.weights
    n = len(w)
    gf = torch.autograd.grad(problem.val_loss(), [*w, *th])
    gg = torch.autograd.grad(problem.train_loss(), [*w, *th])
    coef = (_flat(gf[n:]) @ _flat(gg[n:])) / (_flat(gg[n:]) @ _flat(gg[n:]))
    return [a - coef * b for a, b in zip(gf[:n], gg[:n])]
