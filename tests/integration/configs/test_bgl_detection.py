"""BGL with a detector (or segmentor) as the lower task G (BGL, ACM MM 2023, Table 3: DSFD
on DARK FACE).

A tiny DSFD-style detector (tests/unit/det/test_dsfd.py's pieces) with the generative block F in its
data preprocessor: the losses are the detection loss through F, and one bilevel step moves
ω (F) and θ (the detector) by exactly the TBGL / IBGL update written out independently.
Float32: the scene preprocessor casts its inputs to float32 (as mmdet's does), so the
tolerances are float32 ones. A tiny DeepLab-v3+ with dropout takes the same TBGL step (each
loss replays one random stream). The DARK FACE BGL configs build and train on the fixture.
"""
from __future__ import annotations

import copy

import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.config import Config
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmengine.structures import InstanceData

import mmruas  # noqa: F401  (registers the models)
from mmruas.bgl import BGLModel
from mmruas.det import RUASDetDataPreprocessor
from mmruas.search import BilevelProblem
from tests.helpers import REPO
from tests.helpers.data import make_darkface
from tests.helpers.det import TRAIN_CFG, detector_cfg, tiny
from tests.helpers.search import _flat, _ibgl_formula, _sgd

SIZE = 64
MEAN = (123.675, 116.28, 103.53)
STD = (58.395, 57.12, 57.375)
SEG_SIZE = (48, 64)
LR_U, LR_L = 1e-3, 2e-5
# TBGL's δ here: small enough that θ± = θ ± εu cross no activation kink of this ReLU
# network (at δ = 0.01 the finite difference of the step below is 17x the exact
# Hessian-vector product: the piecewise-linear detector is not smooth on that scale)
DELTA = 1e-3


@pytest.fixture(autouse=True)
def _scope(one_thread):
    init_default_scope('mmdet')


def _model(solver: dict) -> BGLModel:
    torch.manual_seed(0)
    # every negative anchor in the loss: hard-negative mining would make L_G piecewise in θ
    det = dict(detector_cfg(scene=False), train_cfg=dict(TRAIN_CFG, neg_pos_ratio=10 ** 4))
    det['data_preprocessor'].update(std=STD)
    return BGLModel(generator=dict(type='GenerativeBlock', base_channels=4, num_scales=2),
                    task=det, solver=solver)


def _batch(seed: int, n: int = 2) -> dict:
    """Packed RAW at the 8-bit white level (Unprocess's output) and two faces an image."""
    g = torch.Generator().manual_seed(seed)
    inputs = [torch.rand(4, SIZE // 2, SIZE // 2, generator=g) * 80 for _ in range(n)]
    samples = []
    for _ in range(n):
        s = DetDataSample(metainfo=dict(img_shape=(SIZE, SIZE), ori_shape=(SIZE, SIZE),
                                        scale_factor=(1.0, 1.0)))
        xy = torch.rand(2, 2, generator=g) * (SIZE - 30)
        wh = 8 + torch.rand(2, 2, generator=g) * 20
        s.gt_instances = InstanceData(bboxes=torch.cat([xy, xy + wh], 1),
                                      labels=torch.zeros(2, dtype=torch.long))
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)


def _wrappers(model: BGLModel, lr_u: float = LR_U) -> OptimWrapperDict:
    groups = model.search_groups()
    return OptimWrapperDict(upper=OptimWrapper(torch.optim.SGD(groups['upper'], lr=lr_u)),
                            lower=OptimWrapper(torch.optim.SGD(groups['lower'], lr=LR_L)))


def _groups(model: BGLModel):
    g = model.search_groups()
    return g['upper'], g['lower']


def test_block_feeds_the_detector_and_the_losses_are_the_detection_loss():
    model = _model(dict(type='TBGL'))
    pp = model.task.data_preprocessor
    assert isinstance(pp, RUASDetDataPreprocessor) and pp.scene is model.generator
    assert model.data_preprocessor is pp and not pp.freeze_scene
    upper, lower = _groups(model)
    assert {id(p) for p in upper} == {id(p) for p in model.generator.parameters()}
    assert not {id(p) for p in upper} & {id(p) for p in lower}
    assert len(upper) + len(lower) == len(list(model.parameters()))
    data = _batch(1)
    # by hand: RAW / 255 → F → (× 255 (RGB) − mean) / std; the detector's loss, summed
    z = torch.stack(data['inputs'])
    x = model.generator((z / 255).clamp(0, 1)) * 255
    x = (x - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)
    samples = copy.deepcopy(data['data_samples'])
    for s in samples:
        s.set_metainfo(dict(batch_input_shape=(SIZE, SIZE), pad_shape=(SIZE, SIZE)))
    losses = model.task.loss(x, samples)
    assert set(losses) >= {'loss_cls', 'loss_bbox', 'loss_cls_first', 'loss_bbox_first'}
    expect = model.parse_losses(losses)[0]
    assert torch.allclose(model.lower_closure(data)(), expect, rtol=1e-5)
    assert torch.allclose(model.lower_closure(data, block_fixed=True)(), expect, rtol=1e-5)
    model.upper_loss_weight = 0.5
    assert torch.allclose(model.upper_closure(data)(), 0.5 * expect, rtol=1e-5)
    # the trained block loads into the transfer configs' frozen scene (data_preprocessor.scene.)
    state = model.state_dict()
    for k, v in model.generator.state_dict().items():
        assert torch.equal(state[f'data_preprocessor.scene.{k}'], v)
        assert torch.equal(state[f'generator.{k}'], v)


def _fd_term_and_exact(lg, lf, upper, lower, xi, delta):
    """The FD hypergradient (written out) and the exact one (Hessian-vector product)."""
    saved = [p.detach().clone() for p in lower]

    def restore():
        with torch.no_grad():
            for p, s in zip(lower, saved):
                p.copy_(s)

    _sgd(lower, torch.autograd.grad(lg(), lower), xi)                     # θ' = θ − ξ∇θL_G
    out = torch.autograd.grad(lf(), [*upper, *lower])
    g_val, v = out[:len(upper)], out[len(upper):]
    u = [vi * xi for vi in v]
    eps = delta / torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(t) for t in u]))
    diffs = []
    for sign in (1.0, -1.0):
        restore()
        _sgd(lower, u, -sign * eps)
        diffs.append(torch.autograd.grad(lg(), upper))
    restore()
    fd = [gv - (gp - gm) / (2 * eps) for gv, gp, gm in zip(g_val, *diffs)]
    g_th = torch.autograd.grad(lg(), lower, create_graph=True)
    hvp = torch.autograd.grad(sum((a * b).sum() for a, b in zip(g_th, u)), upper)
    exact = [gv - h for gv, h in zip(g_val, hvp)]
    return fd, exact, g_val


def test_tbgl_step_on_a_detector_is_the_formula():
    """θ ← θ − ξ∇θL_G (detection loss, lower batch); G_F at the new θ (one-step finite
    difference); ω ← ω − η·G_F (BGL Alg. 1). The finite-difference term is also checked
    against the exact Hessian-vector product (float32, so loosely)."""
    model = _model(dict(type='TBGL', delta=DELTA))
    ref = copy.deepcopy(model)
    data, val = _batch(1), _batch(2)
    model.set_search_step('bilevel', val)
    log = model.train_step(copy.deepcopy(data), _wrappers(model))
    upper, lower = _groups(ref)
    lg, lf = ref.lower_closure(data), ref.upper_closure(val)
    assert torch.allclose(log['loss_lower'], lg(), rtol=1e-6)
    _sgd(lower, torch.autograd.grad(lg(), lower), LR_L)
    fd, exact, g_val = _fd_term_and_exact(lg, lf, upper, lower, LR_L, DELTA)
    w0 = _flat([p.detach().clone() for p in upper])
    _sgd(upper, fd, LR_U)
    moved = _flat(list(model.generator.parameters())).detach() - w0
    want = _flat(list(ref.generator.parameters())).detach() - w0
    rel = float((moved - want).norm() / want.norm())
    term, term_exact = _flat(fd) - _flat(g_val), _flat(exact) - _flat(g_val)
    fd_err = float((term - term_exact).norm() / term_exact.norm())
    print(f'TBGL detector step: |Δω| {float(want.norm()):.3e}, rel. error vs formula '
          f'{rel:.1e}; second-order term |{float(term_exact.norm()):.2e}|, FD vs exact '
          f'HVP {fd_err:.1e}')
    assert want.norm() > 0 and rel < 1e-4
    assert fd_err < 0.1                  # the FD term is the Hessian-vector product
    for p, q in zip(model.task.parameters(), ref.task.parameters()):
        assert torch.allclose(p, q, rtol=1e-5, atol=1e-7)


def test_ibgl_step_on_a_detector_is_the_formula():
    """k = 3 lower steps on the iteration's batch and two fresh ones, then
    G_F = ∇ωL_F − [(∇θL_F·∇θL_G)/(∇θL_G·∇θL_G)]·∇ωL_G and ω ← ω − η·G_F."""
    model = _model(dict(type='IBGL', k=3))
    ref = copy.deepcopy(model)
    data, val, extra = _batch(1), _batch(2), [_batch(3), _batch(4)]
    stream = iter(copy.deepcopy(extra))
    model.set_search_step('bilevel', val, lower_batches=stream)
    model.train_step(copy.deepcopy(data), _wrappers(model, lr_u=0.05))
    assert next(stream, None) is None                     # k − 1 = 2 batches drawn
    upper, lower = _groups(ref)
    for b in (data, *extra):
        _sgd(lower, torch.autograd.grad(ref.lower_closure(b)(), lower), LR_L)
    g = _ibgl_formula(BilevelProblem(upper, lower, ref.lower_closure(data),
                                     ref.upper_closure(val)))
    w0 = _flat([p.detach().clone() for p in upper])
    _sgd(upper, g, 0.05)
    moved = _flat(list(model.generator.parameters())).detach() - w0
    want = _flat(list(ref.generator.parameters())).detach() - w0
    rel = float((moved - want).norm() / want.norm())
    print(f'IBGL detector step (k = 3): |Δω| {float(want.norm()):.3e}, rel. error vs '
          f'formula {rel:.1e}')
    assert want.norm() > 0 and rel < 1e-4
    for p, q in zip(model.task.parameters(), ref.task.parameters()):
        assert torch.allclose(p, q, rtol=1e-5, atol=1e-7)


def _seg_batch(seed: int, n: int = 2) -> dict:
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample

    g = torch.Generator().manual_seed(seed)
    h, w = SEG_SIZE
    samples = []
    for _ in range(n):
        s = SegDataSample(metainfo=dict(img_shape=(h, w), ori_shape=(h, w)))
        s.gt_sem_seg = PixelData(data=torch.randint(0, 19, (1, h, w), generator=g))
        samples.append(s)
    return dict(inputs=[torch.rand(4, h // 2, w // 2, generator=g) * 80 for _ in range(n)],
                data_samples=samples)


def test_segmentor_as_lower_task_tbgl_step_with_dropout():
    """Any mmseg segmentor as G: F runs in its SegDataPreProcessor (made
    RUASSegDataPreprocessor), L_G / L_F are its losses. Its decode heads use dropout: each
    closure replays one random stream, so repeated passes see one function and the TBGL
    step is the written-out formula."""
    from mmruas.seg import RUASSegDataPreprocessor
    from tests.helpers.seg import tiny as tiny_seg

    cfg = Config.fromfile(str(REPO / 'configs' / '_base_' / 'models' /
                              'ruas_deeplabv3plus_r50.py'))
    task = tiny_seg(cfg.model)
    assert task.decode_head.dropout_ratio > 0
    torch.manual_seed(0)
    model = BGLModel(generator=dict(type='GenerativeBlock', base_channels=4, num_scales=2),
                     task=task, solver=dict(type='TBGL', delta=0.01), task_scope='mmseg')
    assert isinstance(model.data_preprocessor, RUASSegDataPreprocessor)
    assert model.data_preprocessor.scene is model.generator
    ref = copy.deepcopy(model)
    data, val = _seg_batch(1), _seg_batch(2)
    lg = model.lower_closure(data)
    assert torch.equal(lg(), lg())                       # dropout replayed
    model.set_search_step('bilevel', val)
    torch.manual_seed(5)
    model.train_step(copy.deepcopy(data), _wrappers(model, lr_u=0.05))
    torch.manual_seed(5)                                 # the same streams for the copy
    upper, lower = _groups(ref)
    lg, lf = ref.lower_closure(data), ref.upper_closure(val)
    _sgd(lower, torch.autograd.grad(lg(), lower), LR_L)
    fd = _fd_term_and_exact(lg, lf, upper, lower, LR_L, 0.01)[0]
    w0 = _flat([p.detach().clone() for p in upper])
    _sgd(upper, fd, 0.05)
    moved = _flat(list(model.generator.parameters())).detach() - w0
    want = _flat(list(ref.generator.parameters())).detach() - w0
    rel = float((moved - want).norm() / want.norm())
    print(f'TBGL segmentor step: |Δω| {float(want.norm()):.3e}, rel. error vs formula {rel:.1e}')
    assert want.norm() > 0 and rel < 1e-4


def _darkface_cfg(name: str, root: str, work_dir: str) -> Config:
    cfg = Config.fromfile(str(REPO / 'configs' / 'bgl' / name))
    cfg.work_dir = work_dir
    tiny(cfg.model.task)
    cfg.model.task.backbone.pop('init_cfg', None)
    cfg.model.generator.base_channels = 4
    if cfg.model.solver.type == 'IBGL':
        cfg.model.solver.k = 2
    train = cfg.train_dataloader
    train.batch_size = 2
    pipe = train.dataset.pipeline
    pipe[3].scale = (96, 64)                # RandomResize
    pipe[4].crop_size = (32, 32)            # RandomCrop
    pipe[7].size = (32, 32)                 # Pad
    cfg.val_dataloader.dataset.pipeline[1].scale = (96, 64)
    for dl in (train, cfg.val_dataloader, cfg.test_dataloader):
        dl.num_workers, dl.persistent_workers = 0, False
        dl.dataset.data_root = root
        dl.dataset.filter_cfg = None
    cfg.train_cfg.max_iters, cfg.train_cfg.val_interval = 2, 2
    cfg.custom_hooks[0].warmup_iters = 1
    for group in ('upper', 'lower'):
        cfg.param_scheduler[group][0].end = 1
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.interval = 2
    return cfg


@pytest.mark.parametrize('name,solver', [('bgl_dsfd_darkface_tbgl.py', 'TBGL'),
                                         ('bgl_dsfd_darkface_ibgl.py', 'IBGL')])
def test_darkface_config_trains(tmp_path, name, solver):
    """The paper's settings (BGL §4.1) in the config; one warm-start and one bilevel
    iteration of the shrunk config on the DARK FACE fixture (unprocessed to RAW)."""
    raw = Config.fromfile(str(REPO / 'configs' / 'bgl' / name))
    assert raw.model.type == 'BGLModel' and raw.model.task.type == 'SingleStageDetector'
    assert raw.model.task.bbox_head.type == 'DSFDHead' and raw.model.solver.type == solver
    if solver == 'IBGL':
        assert raw.model.solver.k == 30 and raw.model.solver.fresh_batches
    assert raw.train_dataloader.batch_size == 8
    assert raw.train_dataloader.dataset.pipeline[4].crop_size == (640, 640)
    assert raw.train_dataloader.dataset.pipeline[-2].type == 'mmruas.LowLightRaw'
    for group, lr in (('upper', 3e-3), ('lower', 5e-4)):
        assert raw.optim_wrapper[group].optimizer == dict(type='SGD', lr=lr, momentum=0.9,
                                                          weight_decay=5e-4)
    assert raw.model.task.backbone.init_cfg.checkpoint.endswith('vgg16_caffe-292e1171.pth')
    root = make_darkface(tmp_path / 'df')
    (tmp_path / 'df' / 'train.txt').write_text('1\n2\n10\n')
    (tmp_path / 'df' / 'test.txt').write_text('1\n2\n')
    runner = Runner.from_cfg(_darkface_cfg(name, root, str(tmp_path / 'work')))
    model = runner.model
    before = {k: v.detach().clone() for k, v in model.state_dict().items()}
    runner.train()
    assert type(model.solver).__name__ == solver and model.search_step.phases == ('bilevel',)
    after = model.state_dict()
    for prefix in ('generator.', 'task.backbone.', 'task.bbox_head.'):   # both levels trained
        assert any(not torch.equal(before[k], after[k]) for k in before if k.startswith(prefix))
    hook = next(h for h in runner.hooks if type(h).__name__ == 'BGLHook')
    assert hook.state['lower_batches'] == (1 if solver == 'IBGL' else 0)
    metrics = runner.val_loop.run()
    assert 'pascal_voc/mAP' in metrics and 0 <= metrics['pascal_voc/mAP'] <= 1
