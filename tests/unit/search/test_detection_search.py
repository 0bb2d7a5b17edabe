"""Cooperative search of a detector (docs/method.md#cooperative-search-alg-1): α_s in the scene
preprocessor, α_t in the SSD neck and head, through the enhancer's hook, constructor and search
step."""
from __future__ import annotations

import json
import os.path as osp
import uuid

import pytest
import torch
from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

import mmruas  # noqa: F401  (registers the models, hook and constructor)
from mmruas.models import SceneTaskSearchModel
from mmruas.registry import OPTIM_WRAPPER_CONSTRUCTORS
from mmruas.search import SEARCH_GROUPS
from mmruas.search_space import DistillationCell, build_op, derive_genotypes, load_genotypes
from mmruas.search_space.task_edges import conv_geometry
from tests.helpers import REPO_DIR as REPO
from tests.helpers.data import exdark_tree
from tests.helpers.det_search import (
    SIZE,
    det_batch,
    det_loss,
    detector_cfg,
    scene_loss,
    search_model,
)
from tests.helpers.search import changed_groups, sgd_wrappers, snapshot

SEARCH_CFG = osp.join(REPO, 'configs', 'ruas_ssd_exdark', 'ruas_ssd_exdark_search.py')
@pytest.fixture(autouse=True)
def _scope(one_thread):
    init_default_scope('mmdet')


# ---------------------------------------------------------------- model and groups
def test_groups_and_genotype_cfg():
    model = search_model()
    groups = model.search_groups()
    names = {id(p): n for n, p in model.named_parameters()}
    assert len(groups['scene_alpha']) == 7                 # IEM α tied over the 3 stages
    assert len(groups['task_alpha']) == 2 + 4 + 4          # neck extras, reg and cls convs
    assert all(names[id(p)].startswith('data_preprocessor.scene.iem.')
               for k in ('scene_w', 'scene_alpha') for p in groups[k])
    assert {names[id(p)].split('.')[1] for p in groups['task_w']} == {
        'backbone', 'neck', 'bbox_head'}
    cfg = model.genotype_cfg()
    assert set(cfg) == {'data_preprocessor', 'neck', 'bbox_head'}
    assert len(cfg['data_preprocessor']['scene']['iem']['genotype']) == 7
    assert 'task' in SceneTaskSearchModel(task=detector_cfg(), retrain_key='task').genotype_cfg()
    frozen = search_model(freeze_backbone=True).search_groups()['task_w']
    assert len(frozen) == len(groups['task_w']) - 8        # 4 backbone convs


@pytest.mark.parametrize('fixed, match', [
    (dict(scene_geno='DET_SCENE_DARKFACE'), 'searchable cells'),
    (dict(neck=['conv_3x3'] * 2, reg=['conv_3x3'] * 4, cls=['conv_3x3'] * 4),
     'no searchable units'),
])
def test_refuses_fixed_sides(fixed, match):
    with pytest.raises(ValueError, match=match):
        SceneTaskSearchModel(task=detector_cfg(**fixed))


# ---------------------------------------------------------------- exact steps
@pytest.mark.parametrize('beta', [0.0, 2.0])
def test_scene_phase_step_is_scene_val_grad_plus_beta_task_val_grad(beta):
    """First order, SGD lr 1 on α: Δαs = −(∇αs Ls_val + β∇αs Lt_val), Lt = detection loss."""
    model = search_model()
    wrappers = sgd_wrappers(model)
    train, val = det_batch(0), det_batch(1)
    a_s = model.search_groups()['scene_alpha']
    loss = scene_loss(model, val) + beta * det_loss(model, val)
    expected = [a.detach() - g for a, g in zip(a_s, torch.autograd.grad(loss, a_s))]
    before = snapshot(model)
    model.set_search_step('scene', val, beta=beta, order=1)
    log = model.train_step(train, wrappers)
    assert set(log) == {'loss', 'loss_scene'}
    for a, e in zip(a_s, expected):
        torch.testing.assert_close(a.detach(), e, rtol=1e-5, atol=1e-7)
    assert changed_groups(model, before) == {'scene_alpha', 'scene_w'}


def test_task_phase_step_is_detection_val_grad_with_fixed_scene():
    """First order: Δαt = −∇αt Lt_val, the detection loss on the fixed scene output."""
    model = search_model(order=1)
    wrappers = sgd_wrappers(model)
    train, val = det_batch(0), det_batch(1)
    a_t = model.search_groups()['task_alpha']
    grads = torch.autograd.grad(det_loss(model, val, detach_scene=True), a_t)
    expected = [a.detach() - g for a, g in zip(a_t, grads)]
    before = snapshot(model)
    model.set_search_step('task', val)
    assert set(model.train_step(train, wrappers)) == {'loss', 'loss_task'}
    for a, e in zip(a_t, expected):
        torch.testing.assert_close(a.detach(), e, rtol=1e-5, atol=1e-7)
    assert changed_groups(model, before) == {'task_alpha', 'task_w'}


def test_second_order_scene_step_restores_weights_and_matches_darts():
    """Order 2 through train_step: α_s by the DARTS formula computed by hand, ω_s stepped from
    the restored weights (not from the virtual ω'), the task untouched."""
    model = search_model(order=2, beta=0.5)
    xi = 0.1
    wrappers = sgd_wrappers(model, lr_w=xi)
    train, val = det_batch(0), det_batch(1)
    groups = model.search_groups()
    ws, a_s = groups['scene_w'], groups['scene_alpha']
    w0 = [w.detach().clone() for w in ws]
    # by hand: ω' = ω − ξ∇ω Ls_tr; g = ∇α Ls_val(ω') − ξ[∇α Ls_tr(ω⁺) − ∇α Ls_tr(ω⁻)]/(2ε)
    g_tr = torch.autograd.grad(scene_loss(model, train), ws)
    with torch.no_grad():
        for w, g in zip(ws, g_tr):
            w.sub_(xi * g)
    out = torch.autograd.grad(scene_loss(model, val), [*a_s, *ws])
    g_val, v = out[:len(a_s)], out[len(a_s):]
    eps = 0.01 / torch.linalg.vector_norm(torch.cat([t.flatten() for t in v]))
    diffs = []
    for sign in (1.0, -1.0):
        with torch.no_grad():
            for w, w_0, vi in zip(ws, w0, v):
                w.copy_(w_0 + sign * eps * vi)
        diffs.append(torch.autograd.grad(scene_loss(model, train), a_s))
    with torch.no_grad():
        for w, w_0 in zip(ws, w0):
            w.copy_(w_0)
    cross = torch.autograd.grad(det_loss(model, val), a_s)
    expected = [a.detach() - (gv - xi * (gp - gm) / (2 * eps) + 0.5 * c)
                for a, gv, gp, gm, c in zip(a_s, g_val, *diffs, cross)]
    before = snapshot(model)
    model.set_search_step('scene', val)
    model.train_step(train, wrappers)
    for a, e in zip(a_s, expected):
        torch.testing.assert_close(a.detach(), e, rtol=1e-4, atol=1e-6)
    assert changed_groups(model, before) == {'scene_alpha', 'scene_w'}
    # ω_s ← ω_s − ξ∇ω Ls_tr(ω_s, new α_s) from the restored ω_s
    moved = [w.detach().clone() for w in ws]
    with torch.no_grad():
        for w, w_0 in zip(ws, w0):
            w.copy_(w_0)
    g_new = torch.autograd.grad(scene_loss(model, train), ws)
    for m, w_0, g in zip(moved, w0, g_new):
        torch.testing.assert_close(m, w_0 - xi * g, rtol=1e-5, atol=1e-7)


def test_second_order_task_global_and_warmup_move_only_their_groups():
    model = search_model(order=2)
    train, val = det_batch(0), det_batch(1)
    frozen_w = sgd_wrappers(model, lr_w=0.0)   # ω lr 0: the virtual ω' must not survive
    state = {k: v.clone() for k, v in model.state_dict().items()}
    model.set_search_step('task', val)
    model.train_step(train, frozen_w)
    alphas = {n for n, _ in model.named_parameters() if n.startswith('task.') and 'alpha' in n}
    moved = {k for k, v in model.state_dict().items() if not torch.equal(v, state[k])}
    assert moved and moved <= alphas, moved - alphas     # weights and buffers restored
    adam = {k: dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3))
            for k in SEARCH_GROUPS}
    wrappers = OPTIM_WRAPPER_CONSTRUCTORS.build(dict(
        type='SearchOptimWrapperConstructor', optim_wrapper_cfg=adam))(model)
    for phase, expected in (('joint', set(SEARCH_GROUPS)), ('warmup', {'scene_w', 'task_w'})):
        before = snapshot(model)
        model.set_search_step(phase, val)
        log = model.train_step(train, wrappers)
        assert set(log) == {'loss', 'loss_scene', 'loss_task'}
        assert torch.isfinite(log['loss'])
        assert changed_groups(model, before) == expected, phase


# ---------------------------------------------------------------- Runner + hook


class _Recorder(Hook):
    priority = 'LOWEST'

    def __init__(self):
        self.phases, self.changed = [], []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.phases.append('+'.join(runner.model.search_step.phases))
        self._before = snapshot(runner.model)

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.changed.append(changed_groups(runner.model, self._before))


def test_search_config():
    cfg = Config.fromfile(SEARCH_CFG)
    assert cfg.default_scope == 'mmdet' and cfg.model.type == 'SceneTaskSearchModel'
    task = cfg.model.task
    assert task.data_preprocessor.type == 'RUASDetDataPreprocessor'
    assert task.data_preprocessor.scene.iem.genotype is None
    assert task.neck.genotype is None and task.bbox_head.reg_genotype is None
    assert task.bbox_head.cls_genotype is None and task.backbone.type == 'SSDVGG'
    assert cfg.train_dataloader.batch_size == 1
    assert cfg.train_dataloader.dataset.type == 'ExDarkDataset'
    for key in SEARCH_GROUPS:
        opt = cfg.optim_wrapper[key].optimizer
        assert (opt.lr, opt.weight_decay) == (3e-4, 5e-4)
    assert cfg.train_cfg.max_iters == 30 * 2600                 # 30 epochs of 2,600 images
    assert cfg.model.freeze_backbone is True                    # RUAS-TPAMI §7.1
    hook = cfg.custom_hooks[0]
    assert (hook.type, hook.strategy, hook.val_split) == ('CooperativeSearchHook',
                                                         'cooperative', True)
    assert osp.normpath(hook.retrain_base) == osp.join(REPO, 'configs', 'ruas_ssd_exdark',
                                                      'ruas_ssd_exdark.py')
    assert cfg.model_wrapper_cfg.type == 'SearchDistributedDataParallel'


def test_cooperative_run_phases_updates_and_outputs(tmp_path):
    exdark_tree(tmp_path / 'data')
    base = tmp_path / 'retrain_base.py'    # written only after the search (need not exist)
    cfg = Config.fromfile(SEARCH_CFG)
    cfg.model = dict(type='SceneTaskSearchModel', task=detector_cfg())
    cfg.train_dataloader.update(num_workers=0, dataset=dict(
        type='ExDarkDataset', data_root=str(tmp_path / 'data'), split='train', ann_file='',
        pipeline=[
            dict(type='LoadImageFromFile', color_type='color_ignore_orientation'),
            dict(type='LoadAnnotations', with_bbox=True),
            dict(type='Resize', scale=(SIZE, SIZE), keep_ratio=False),
            dict(type='PackDetInputs')]))
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=4, val_interval=5)
    cfg.custom_hooks[0].update(phase_iters=(2, 1), retrain_base=str(base))
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.interval = 1000
    cfg.update(work_dir=str(tmp_path / 'work'), log_level='WARNING',
               experiment_name=f'det_search_{uuid.uuid4().hex[:8]}')
    runner = Runner.from_cfg(cfg)
    rec = _Recorder()
    runner.register_hook(rec)
    runner.train()

    assert rec.phases == ['scene', 'scene', 'task', 'scene']
    for phase, changed in zip(rec.phases, rec.changed):
        assert changed == {f'{phase}_alpha', f'{phase}_w'}, (phase, changed)
    split = json.load(open(tmp_path / 'work' / 'search_split.json'))
    assert len(split['train']) == len(split['val']) == 2
    assert not set(split['train']) & set(split['val'])
    genos = load_genotypes(str(tmp_path / 'work' / 'genotypes.json'))
    scene = {n: g for n, g in genos.items() if n.startswith('data_preprocessor.scene.iem.')}
    assert len(scene) == 3 and len(set(scene.values())) == 1     # tied over the IEM stages
    assert set(genos) - set(scene) == {'task.neck', 'task.bbox_head.reg_convs',
                                       'task.bbox_head.cls_convs'}
    history = json.load(open(tmp_path / 'work' / 'alpha_history.json'))
    assert [h['iter'] for h in history] == [2, 3, 4]

    fixed = detector_cfg('DET_SCENE_DARKFACE', ['conv_3x3'] * 2, ['conv_3x3'] * 4,
                         ['conv_3x3'] * 4)
    base.write_text(f"default_scope = 'mmdet'\nmodel = {fixed!r}\n")
    retrain = Config.fromfile(str(tmp_path / 'work' / 'retrain_config.py'))
    detector = MODELS.build(retrain.model)
    assert not derive_genotypes(detector)                          # every op fixed
    assert detector.neck.genotype == genos['task.neck']
    assert detector.bbox_head.reg_genotype == genos['task.bbox_head.reg_convs']
    assert detector.bbox_head.cls_genotype == genos['task.bbox_head.cls_convs']
    for convs, unit in ((detector.neck.edges(), 'task.neck'),
                        (detector.bbox_head.reg_convs, 'task.bbox_head.reg_convs'),
                        (detector.bbox_head.cls_convs, 'task.bbox_head.cls_convs')):
        assert [(e.op.kernel_size[0], e.op.dilation[0]) for e in convs] == [
            conv_geometry(op) for op in genos[unit]]
    cells = [m for m in detector.data_preprocessor.scene.modules()
             if isinstance(m, DistillationCell)]
    geno = next(iter(scene.values()))
    assert len(cells) == 3
    for cell in cells:
        assert [type(e) for e in cell.edges()] == [
            type(build_op(op, cell.channels, cell.channels)) for op in geno]
