"""Cooperative search of a detector (docs/method.md#cooperative-search-alg-1): α_s in the scene
preprocessor, α_t in the SSD neck and head, through the enhancer's hook, constructor and search
step."""
from __future__ import annotations

import copy
import json
import logging
import os.path as osp
import uuid

import pytest
import torch
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmengine.structures import InstanceData
from torch import nn

import mmruas  # noqa: F401  (registers the models, hook and constructor)
from mmruas.losses import SceneLoss
from mmruas.models import SceneTaskSearchModel
from mmruas.models.scene_task_model import scene_loss_of
from mmruas.registry import OPTIM_WRAPPER_CONSTRUCTORS
from mmruas.search import SEARCH_GROUPS
from mmruas.search_space import DistillationCell, build_op, derive_genotypes, load_genotypes
from mmruas.search_space.task_edges import conv_geometry
from tests.helpers.data import exdark_tree
from tests.helpers.search import changed_groups, sgd_wrappers, snapshot

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
SEARCH_CFG = osp.join(REPO, 'configs', 'ruas_ssd_exdark', 'ruas_ssd_exdark_search.py')
SIZE = 64
CHANS = (8, 16, 16, 8)   # two backbone levels (stride 8, 16) and two extra levels (32, 64)
ANCHORS = dict(type='SSDAnchorGenerator', scale_major=False, input_size=SIZE,
               strides=[8, 16, 32, 64], ratios=[[2]] * 4, min_sizes=[8, 16, 32, 48],
               max_sizes=[16, 32, 48, 64])
TRAIN_CFG = dict(assigner=dict(type='MaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.5,
                               min_pos_iou=0., ignore_iof_thr=-1, gt_max_assign_all=False),
                 sampler=dict(type='PseudoSampler'), smoothl1_beta=1., allowed_border=-1,
                 pos_weight=-1, neg_pos_ratio=3, debug=False)
TEST_CFG = dict(nms_pre=100, nms=dict(type='nms', iou_threshold=0.45), min_bbox_size=0,
                score_thr=0.02, max_per_img=20)


@pytest.fixture(autouse=True)
def _scope(one_thread):
    init_default_scope('mmdet')


@MODELS.register_module(name='_TinyDetSearchBackbone', force=True)
class TinyBackbone(nn.Module):
    """Stride-8 and stride-16 features with few channels (a stand-in for VGG16)."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 4, 3, 2, 1), nn.ReLU(),
                                  nn.Conv2d(4, 8, 3, 2, 1), nn.ReLU(),
                                  nn.Conv2d(8, CHANS[0], 3, 2, 1), nn.ReLU())
        self.down = nn.Sequential(nn.Conv2d(CHANS[0], CHANS[1], 3, 2, 1), nn.ReLU())

    def forward(self, x):
        a = self.stem(x)
        return a, self.down(a)


def detector_cfg(scene_geno=None, neck=None, reg=None, cls=None) -> dict:
    """A tiny SSD with the RUAS_S scene in its preprocessor; ``None`` genotypes: searchable."""
    return dict(
        type='SingleStageDetector',
        data_preprocessor=dict(
            type='RUASDetDataPreprocessor', mean=[123.675, 116.28, 103.53],
            std=[58.4, 57.1, 57.4], bgr_to_rgb=True,
            scene=dict(type='RUAS', variant='RUAS_S', iem=dict(genotype=scene_geno))),
        backbone=dict(type='_TinyDetSearchBackbone'),
        neck=dict(type='SearchSSDNeck', in_channels=CHANS[:2], out_channels=CHANS,
                  level_strides=(2, 2), level_paddings=(1, 1), l2_norm_scale=20, genotype=neck),
        bbox_head=dict(type='SearchSSDHead', in_channels=CHANS, num_classes=12,
                       anchor_generator=ANCHORS, reg_genotype=reg, cls_genotype=cls,
                       bbox_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[0.] * 4,
                                       target_stds=[.1, .1, .2, .2])),
        train_cfg=TRAIN_CFG, test_cfg=TEST_CFG)


def search_model(**kw) -> SceneTaskSearchModel:
    torch.manual_seed(0)
    model = MODELS.build(dict(type='SceneTaskSearchModel', task=detector_cfg(), **kw))
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)   # one info line per initialised tensor otherwise
    try:
        model.init_weights()
    finally:
        logger.setLevel(level)
    return model.train()


def det_batch(seed: int, n: int = 1) -> dict:
    """Dark uint8 BGR images with one box per anchor scale (every level has positives)."""
    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for _ in range(n):
        inputs.append(torch.randint(0, 60, (3, SIZE, SIZE), generator=g, dtype=torch.uint8))
        s = DetDataSample(metainfo=dict(img_shape=(SIZE, SIZE), ori_shape=(SIZE, SIZE),
                                        scale_factor=(1.0, 1.0)))
        half = torch.tensor([6., 12., 20., 28.])[:, None]
        c = 32 + torch.randint(-3, 4, (4, 1), generator=g).float()
        s.gt_instances = InstanceData(bboxes=torch.cat([c - half, c - half, c + half,
                                                        c + half], 1),
                                      labels=torch.randint(0, 12, (4,), generator=g))
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)


def scene_loss(model, batch) -> torch.Tensor:
    """ℓs by hand: the scene on the batch, SceneLoss on its tᴷ."""
    _, outs = model.data_preprocessor.run_scene(batch['inputs'], batch['data_samples'])
    return scene_loss_of(outs, SceneLoss())


def det_loss(model, batch, detach_scene=False) -> torch.Tensor:
    """The detection loss by hand: preprocessor (scene) then the detector's loss terms."""
    data = model.data_preprocessor(copy.deepcopy(batch), training=True)
    inputs = data['inputs'].detach() if detach_scene else data['inputs']
    losses = model.task.loss(inputs, data['data_samples'])
    return sum(sum(v) if isinstance(v, list) else v for v in losses.values())


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
