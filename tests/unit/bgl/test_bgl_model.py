"""BGL's block F, task G and model (BGL, ACM MM 2023); F as a scene module in a preprocessor."""
from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmengine.structures import BaseDataElement

import mmruas  # noqa: F401
from mmruas.bgl import BGLModel, EnhancementTask, GenerativeBlock
from mmruas.registry import MODELS, TRANSFORMS
from mmruas.search import BilevelProblem


def test_generative_block():
    torch.manual_seed(0)
    f = MODELS.build(dict(type='GenerativeBlock', base_channels=4))
    assert isinstance(f, GenerativeBlock) and len(f.down) == 4 and len(f.up) == 3
    z = torch.rand(2, 4, 5, 7, requires_grad=True)         # odd sizes: padded and cropped
    x = f(z)
    assert x.shape == (2, 3, 10, 14)
    x.sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in f.parameters())
    big = torch.rand(1, 4, 8, 8)
    assert f(big).shape == (1, 3, 16, 16)
    with pytest.raises(ValueError, match='4 x h x w'):
        f(torch.rand(1, 3, 8, 8))


def test_enhancement_task():
    torch.manual_seed(0)
    g = EnhancementTask(channels=4)
    assert sum(isinstance(m, torch.nn.Conv2d) for m in g.modules()) == 3
    x = torch.rand(2, 3, 6, 6) * 0.5
    y, t = g(x)
    assert torch.allclose(y * t, x, atol=1e-6)               # y = x ⊙ G(x), G(x) = t⁻¹
    assert torch.all(t >= x) and torch.all(t <= 1)           # skip: t = x + sigmoid(·)
    assert torch.allclose(t, (x + g.convs(x)).clamp(1e-4, 1))
    # a block output outside [0, 1] is clamped forward but keeps its gradient
    x = torch.tensor([-0.5, 0.3, 1.5]).view(1, 3, 1, 1).repeat(1, 1, 2, 2).requires_grad_()
    y, t = g(x)
    assert y.min() >= 0 and y.max() <= 1
    assert torch.allclose(y * t, x.detach().clamp(0, 1), atol=1e-6)
    y.sum().backward()
    assert torch.all(x.grad != 0)


def _batch(seed, n=2, h=4, w=6):
    g = torch.Generator().manual_seed(seed)
    inputs = [torch.rand(4, h, w, generator=g) for _ in range(n)]
    samples = []
    for _ in range(n):
        s = BaseDataElement(metainfo=dict(gt_max_value=65535.0, img_shape=(2 * h, 2 * w)))
        s.gt_img = (torch.rand(3, 2 * h, 2 * w, generator=g) * 65535).to(torch.int32)
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)


def _model(solver):
    torch.manual_seed(0)
    return BGLModel(generator=dict(type='GenerativeBlock', base_channels=2),
                    task=dict(type='EnhancementTask', channels=3), solver=solver,
                    lower_loss=dict(type='SceneLoss', eta=0.01)).double()


def _wrappers(model, lr_u=0.1, lr_l=0.05):
    groups = model.search_groups()
    return OptimWrapperDict(
        upper=OptimWrapper(torch.optim.SGD(groups['upper'], lr=lr_u)),
        lower=OptimWrapper(torch.optim.SGD(groups['lower'], lr=lr_l)))


def _prep(model, data):
    out = model.data_preprocessor(copy.deepcopy(data), True)
    return out['inputs'].double(), torch.stack([s.gt_img for s in out['data_samples']]).double()


def test_warmup_trains_both_on_the_lower_loss():
    model = _model(dict(type='TBGL'))
    data = _to_double(_batch(0))
    ref = copy.deepcopy(model)
    z, _ = _prep(ref, data)
    params = [*ref.generator.parameters(), *ref.task.parameters()]
    grads = torch.autograd.grad(ref.lower_loss(ref.generator(z)), params)
    model.set_search_step('warmup')
    log = model.train_step(data, _wrappers(model))
    assert set(log) == {'loss', 'loss_lower'}
    n_u = len(list(ref.generator.parameters()))
    lrs = [0.1] * n_u + [0.05] * (len(params) - n_u)
    for p, p0, g, lr in zip([*model.generator.parameters(), *model.task.parameters()], params,
                            grads, lrs):
        assert torch.allclose(p, p0 - lr * g, atol=1e-12)


def _to_double(data):
    data = copy.deepcopy(data)
    data['inputs'] = [i.double() for i in data['inputs']]
    return data


def _sgd(params, grads, lr):
    with torch.no_grad():
        for p, g in zip(params, grads):
            p.sub_(lr * g)


@pytest.mark.parametrize('solver', [dict(type='TBGL', delta=0.01), dict(type='IBGL', k=3),
                                    dict(type='IBGL', k=3, fresh_batches=False)])
def test_bilevel_step_matches_the_solver(solver):
    """One outer iteration against the same iteration written out on a copy: TBGL's θ step,
    then G_F at the new θ (BGL Alg. 1); IBGL's k lower steps on the iteration's batch and
    k − 1 fresh ones from the step's ``lower_batches`` (or k on the one batch), then G_F."""
    from tests.helpers.search import _fd_hypergradient, _ibgl_formula

    model = _model(solver)
    data, val = _to_double(_batch(1)), _to_double(_batch(2))
    extra = [_to_double(_batch(3 + i)) for i in range(2)]
    ref = copy.deepcopy(model)
    stream = iter(copy.deepcopy(extra))
    model.set_search_step('bilevel', val, lower_batches=stream)
    log = model.train_step(data, _wrappers(model))
    assert set(log) == {'loss', 'loss_lower', 'loss_upper'}
    fresh = solver['type'] == 'IBGL' and solver.get('fresh_batches', True)
    assert len(list(stream)) == (0 if fresh else 2)        # k − 1 batches drawn, or none
    # the same iteration by hand, on the reference copy
    z, _ = _prep(ref, data)
    zv, gtv = _prep(ref, val)
    up, lo = list(ref.generator.parameters()), list(ref.task.parameters())
    problem = BilevelProblem(up, lo, lambda: ref.lower_loss(ref.generator(z)),
                             lambda: ref.upper_loss(ref.task(ref.generator(zv))[0], gtv))
    if solver['type'] == 'TBGL':
        _sgd(lo, torch.autograd.grad(problem.train_loss(), lo), 0.05)
        _sgd(up, _fd_hypergradient(problem, 0.05, 0.01), 0.1)
    else:
        zs = [z, *(_prep(ref, e)[0] for e in extra)] if fresh else [z] * 3
        for zi in zs:
            _sgd(lo, torch.autograd.grad(ref.lower_loss(ref.generator(zi)), lo), 0.05)
        _sgd(up, _ibgl_formula(problem), 0.1)
    for p, q in zip(model.parameters(), ref.parameters()):
        assert torch.allclose(p, q, atol=1e-10)
    assert any(not torch.equal(p, q) for p, q in zip(model.generator.parameters(),
                                                     _model(solver).generator.parameters()))


def test_bilevel_needs_an_upper_batch_and_fresh_lower_batches():
    model = _model(dict(type='IBGL', k=2))
    with pytest.raises(RuntimeError, match='validation batch'):
        model.set_search_step('bilevel')
    with pytest.raises(ValueError, match='search phase'):
        model.set_search_step('scene', _to_double(_batch(1)))
    model.set_search_step('bilevel', _to_double(_batch(1)))
    with pytest.raises(RuntimeError, match='lower_batches'):
        model.train_step(_to_double(_batch(0)), _wrappers(model))


def test_hook_lower_stream_is_the_loop_stream_and_resumes():
    """BGLHook hands IBGL the training loop's own batch stream, advanced past the extra
    lower batches a resumed run had drawn; each draw is counted in the hook state."""
    from types import SimpleNamespace

    from mmruas.bgl import BGLHook

    model = _model(dict(type='IBGL', k=2))
    loop_stream = iter(range(100))
    runner = SimpleNamespace(model=model, train_loop=SimpleNamespace(
        dataloader_iterator=loop_stream))
    hook = BGLHook()
    hook.state['lower_batches'] = 5                  # restored from a checkpoint
    hook.start_lower_stream(runner)
    assert next(hook.lower_stream) == 5 and hook.state['lower_batches'] == 6
    assert next(loop_stream) == 6                    # the loop continues after it
    hook = BGLHook()
    runner.model = _model(dict(type='IBGL', k=2, fresh_batches=False))
    hook.start_lower_stream(runner)
    assert hook.lower_stream is None
    runner.model, runner.train_loop = model, SimpleNamespace()
    with pytest.raises(TypeError, match='IterBasedTrainLoop'):
        hook.start_lower_stream(runner)


def test_block_as_scene_module_on_unprocessed_images():
    """F runs in a detector's preprocessor on 4-channel packed RAW from Unprocess."""
    torch.manual_seed(0)
    block = GenerativeBlock(base_channels=4).eval()
    pre = MODELS.build(dict(type='mmdet.RUASDetDataPreprocessor', scene=block,
                            freeze_scene=True, mean=[0, 0, 0], std=[1, 1, 1],
                            pad_size_divisor=1))
    rng = np.random.default_rng(0)
    img = (rng.uniform(0.2, 0.8, size=(12, 16, 3)) * 255).astype(np.uint8)
    res = TRANSFORMS.build(dict(type='Unprocess', seed=0))(dict(img=img, img_path='a.png'))
    raw = torch.from_numpy(res['img'].transpose(2, 0, 1).copy())
    assert raw.shape == (4, 6, 8) and float(raw.max()) <= 255.0
    from mmdet.structures import DetDataSample
    sample = DetDataSample(metainfo=dict(img_shape=(12, 16), ori_shape=(12, 16)))
    out, outs = pre.run(dict(inputs=[raw], data_samples=[sample]), False)
    with torch.no_grad():
        expect = (block((raw / 255.0).clamp(0, 1)[None]) * 255.0)[:, [2, 1, 0]]
    assert out['inputs'].shape == (1, 3, 12, 16)
    assert torch.allclose(out['inputs'], expect, atol=1e-4)
    assert outs[0].ts == [] and not any(p.requires_grad
                                                      for p in pre.scene.parameters())
    with pytest.raises(ValueError, match='4-channel'):
        pre(dict(inputs=[torch.rand(3, 12, 16)], data_samples=[sample]), False)


def test_trained_block_loads_as_a_frozen_scene(tmp_path):
    """A BGL checkpoint's ``generator.*`` weights load into a preprocessor's scene."""
    model = _model(dict(type='TBGL')).float()
    path = str(tmp_path / 'bgl.pth')
    torch.save(dict(state_dict=model.state_dict(), meta={}), path)
    pre = MODELS.build(dict(type='mmdet.RUASDetDataPreprocessor',
                            scene=dict(type='GenerativeBlock', base_channels=2),
                            scene_checkpoint=path, freeze_scene=True))
    for (k, v), (k2, v2) in zip(pre.scene.state_dict().items(),
                                model.generator.state_dict().items()):
        assert k == k2 and torch.equal(v, v2)
