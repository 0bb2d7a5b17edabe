"""Upper-level gradients (mmruas.search.hypergradient, docs/method.md#one-step-hypergradient)
against exact maths.

Every reference below is the *exact* total derivative ``d/dα L_val(ω'(α), α)`` of the
one-step unrolled objective, obtained by double backward (``create_graph=True``) through a
functional copy of the model; ``ω'(α)`` is the optimiser's own update rule (checked
against a real ``optimizer.step()``), with the Adam preconditioner held fixed.
"""
from __future__ import annotations

import copy
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

from mmruas.search import (
    BilevelProblem,
    cross_term,
    hypergradient,
    scene_hypergradient,
)
from mmruas.search_space import is_arch_param

DT = torch.float64
L2 = 1e-2  # explicit weight-decay term inside L_tr (part of the loss, not the optimiser)


class TinyNet(nn.Module):
    """softmax(α)-mixed candidates (like a MixedOp) -> BatchNorm -> tanh -> linear head."""

    def __init__(self, cin: int = 4, cout: int = 1) -> None:
        super().__init__()
        self.ops = nn.ModuleList([
            nn.Linear(cin, 3),
            nn.Sequential(nn.Linear(cin, 3), nn.Tanh()),
            nn.Sequential(nn.Linear(cin, 3, bias=False), nn.Softplus())])
        self.arch_alpha = nn.Parameter(0.5 * torch.randn(3))
        self.norm = nn.BatchNorm1d(3)
        self.head = nn.Linear(3, cout)
        self.spare = nn.Linear(1, 1)  # never used: gets no gradient

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = F.softmax(self.arch_alpha, dim=-1)
        h = sum(wi * op(x) for wi, op in zip(w, self.ops))
        return self.head(torch.tanh(self.norm(h)))


def make(seed: int = 0):
    torch.manual_seed(seed)
    model = TinyNet().to(DT).train()
    data = {k: (torch.randn(8, 4, dtype=DT), torch.randn(8, 1, dtype=DT)) for k in ('tr', 'va')}
    return model, data


def _run(model, x, params):
    if params is None:
        return model(x)
    bufs = {n: b.clone() for n, b in model.named_buffers()}  # keep the model's stats intact
    return functional_call(model, {**params, **bufs}, (x,))


def l_tr(model, data, params=None):
    p = dict(model.named_parameters()) if params is None else params
    reg = sum((v ** 2).sum() for n, v in p.items() if not is_arch_param(n))
    return F.mse_loss(_run(model, data['tr'][0], params), data['tr'][1]) + L2 * reg


def l_val(model, data, params=None):
    return F.mse_loss(_run(model, data['va'][0], params), data['va'][1])


def problem_of(model, data) -> BilevelProblem:
    return BilevelProblem.from_module(model, lambda: l_tr(model, data),
                                      lambda: l_val(model, data))


# optimiser configurations: (class, kwargs, real steps taken before the hypergradient)
CONFIGS = {
    'sgd': (torch.optim.SGD, dict(lr=0.1), 0),
    'sgd_momentum_wd': (torch.optim.SGD, dict(lr=0.1, momentum=0.9, weight_decay=0.05), 2),
    'sgd_nesterov_first_step': (torch.optim.SGD,
                                dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.05), 0),
    'sgd_dampening': (torch.optim.SGD, dict(lr=0.1, momentum=0.8, dampening=0.3), 2),
    'adam': (torch.optim.Adam, dict(lr=0.05, weight_decay=0.01), 3),
    'adamw_amsgrad': (torch.optim.AdamW, dict(lr=0.05, weight_decay=0.1, amsgrad=True), 3),
}


def setup(name: str, seed: int = 0):
    model, data = make(seed)
    prob = problem_of(model, data)
    cls, kwargs, warm = CONFIGS[name]
    opt = cls(prob.weights, **kwargs)
    for _ in range(warm):  # real lower-level steps so that momentum/Adam state is non-trivial
        opt.zero_grad()
        l_tr(model, data).backward()
        opt.step()
    model.zero_grad(set_to_none=True)
    return model, data, prob, opt


def reference_step(model, opt):
    """``ω'(grads, ω)``: the optimiser's update rule, differentiable in the gradients."""
    params = dict(model.named_parameters())

    def step(g: torch.Tensor, w: torch.Tensor, name: str) -> torch.Tensor:
        grp, st = opt.param_groups[0], opt.state.get(params[name], {})
        lr, wd = grp['lr'], grp['weight_decay']
        if isinstance(opt, torch.optim.SGD):
            d = g + wd * w
            mu = grp['momentum']
            if mu:
                buf = st.get('momentum_buffer')
                b = d if buf is None else mu * buf + (1 - grp['dampening']) * d
                d = d + mu * b if grp['nesterov'] else b
            return w - lr * d
        b1, b2 = grp['betas']
        decoupled = grp['decoupled_weight_decay']
        d = g if decoupled else g + wd * w
        base = w * (1 - lr * wd) if decoupled else w
        t = float(st.get('step', 0)) + 1
        m = b1 * st.get('exp_avg', 0) + (1 - b1) * d
        s = b2 * st.get('exp_avg_sq', 0) + (1 - b2) * d.detach() ** 2  # P held fixed
        if grp['amsgrad']:
            s = torch.maximum(st['max_exp_avg_sq'], s)
        denom = s.sqrt() / math.sqrt(1 - b2 ** t) + grp['eps']
        return base - lr / (1 - b1 ** t) * m / denom

    return step


def exact_hypergradient(model, data, opt) -> torch.Tensor:
    """``d/dα L_val(ω'(α), α)`` by double backward through the virtual step."""
    step = reference_step(model, opt)
    w = {n: p.detach().clone().requires_grad_() for n, p in model.named_parameters()
         if not is_arch_param(n)}
    a = model.arch_alpha.detach().clone().requires_grad_()
    g = torch.autograd.grad(l_tr(model, data, {**w, 'arch_alpha': a}), list(w.values()),
                            create_graph=True, allow_unused=True)
    w_new = {n: wi if gi is None else step(gi, wi, n)  # optimisers skip grad-less params
             for (n, wi), gi in zip(w.items(), g)}
    return torch.autograd.grad(l_val(model, data, {**w_new, 'arch_alpha': a}), a)[0]


def rel(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).norm() / b.norm())


@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_reference_step_is_the_real_optimizer_step(name):
    model, data, prob, opt = setup(name)
    names = [n for n, _ in model.named_parameters() if not is_arch_param(n)]
    grads = torch.autograd.grad(l_tr(model, data), prob.weights, allow_unused=True)
    step = reference_step(model, opt)
    expected = [w.detach() if g is None else step(g, w.detach(), n)
                for n, w, g in zip(names, prob.weights, grads)]
    model2, opt2 = copy.deepcopy((model, opt))
    for p, g in zip((p for n, p in model2.named_parameters() if not is_arch_param(n)), grads):
        p.grad = g
    opt2.step()
    got = [p.detach() for n, p in model2.named_parameters() if not is_arch_param(n)]
    for e, r in zip(expected, got):
        torch.testing.assert_close(e, r, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_second_order_matches_exact_total_derivative(name):
    model, data, prob, opt = setup(name)
    assert len(prob.alphas) == 1 and prob.alphas[0] is model.arch_alpha
    assert len(prob.weights) == 11
    exact = exact_hypergradient(model, data, opt)
    (g,) = hypergradient(prob, opt, order=2)
    assert g.shape == exact.shape and g.dtype == DT
    assert rel(g, exact) <= 1e-3, (g, exact)
    # the only approximation is the O(r²) central difference (P frozen for Adam)
    (g_fine,) = hypergradient(prob, opt, order=2, r=1e-3)
    assert rel(g_fine, exact) <= 1e-5


def test_first_order_is_plain_val_gradient():
    model, data, prob, _ = setup('sgd')
    expected = torch.autograd.grad(l_val(model, data), model.arch_alpha)[0]
    (g,) = hypergradient(prob, order=1)
    torch.testing.assert_close(g, expected, rtol=0, atol=0)


def test_second_order_evaluates_val_at_virtual_weights():
    """Catches the bug of computing ω' in a local variable and never applying it."""
    model, data, prob, opt = setup('sgd')
    lr = opt.param_groups[0]['lr']
    g_tr = torch.autograd.grad(l_tr(model, data), prob.weights, allow_unused=True)
    virtual = [w.detach() - lr * g if g is not None else w.detach()
               for w, g in zip(prob.weights, g_tr)]
    seen = []

    def val_loss():
        seen.append([w.detach().clone() for w in prob.weights])
        return l_val(model, data)

    prob.val_loss = val_loss
    exact = exact_hypergradient(model, data, opt)
    (g2,) = hypergradient(prob, opt, order=2)
    (g1,) = hypergradient(prob, opt, order=1)
    assert len(seen) == 2  # one L_val pass per call
    for s, v in zip(seen[0], virtual):
        torch.testing.assert_close(s, v, rtol=1e-13, atol=1e-15)
    assert rel(g1, exact) > 5e-2  # the problem is sensitive to the unrolled step ...
    assert rel(g2, exact) <= 1e-3  # ... and the second-order term accounts for it
    assert rel(g2 - g1, exact - g1) <= 1e-2


@pytest.mark.parametrize('name', ['sgd_momentum_wd', 'adamw_amsgrad'])
def test_everything_restored(name):
    model, data, prob, opt = setup(name)
    # the closures really do move BatchNorm statistics (so restoring them is tested)
    probe = copy.deepcopy(model)
    l_tr(probe, data)
    assert not torch.equal(probe.norm.running_mean, model.norm.running_mean)
    torch.manual_seed(1)
    for i, w in enumerate(prob.weights):
        w.grad = None if i % 2 else torch.randn_like(w)
    grads_before = [w.grad for w in prob.weights]
    grad_values = [None if g is None else g.clone() for g in grads_before]
    model.arch_alpha.grad = torch.full_like(model.arch_alpha, 7.0)
    params = {n: p.detach().clone() for n, p in model.named_parameters() if not is_arch_param(n)}
    buffers = {n: b.clone() for n, b in model.named_buffers()}
    state = copy.deepcopy(opt.state_dict())
    calls = {'tr': 0, 'va': 0}
    tr, va = prob.train_loss, prob.val_loss
    prob.train_loss = lambda: calls.__setitem__('tr', calls['tr'] + 1) or tr()
    prob.val_loss = lambda: calls.__setitem__('va', calls['va'] + 1) or va()

    (g,) = hypergradient(prob, opt)

    assert calls == {'tr': 3, 'va': 1}  # four forward-backward passes, no more
    for n, p in model.named_parameters():
        if not is_arch_param(n):
            assert torch.equal(p, params[n]), n
    for n, b in model.named_buffers():
        assert torch.equal(b, buffers[n]), n
    after = opt.state_dict()
    assert after['param_groups'] == state['param_groups']
    for k, st in state['state'].items():
        assert st.keys() == after['state'][k].keys()
        for key, val in st.items():
            assert torch.equal(torch.as_tensor(val), torch.as_tensor(after['state'][k][key]))
    for w, before, value in zip(prob.weights, grads_before, grad_values):
        assert w.grad is before
        assert value is None or torch.equal(w.grad, value)
    assert torch.equal(model.arch_alpha.grad, torch.full_like(g, 7.0))  # α's .grad too


class Scene(nn.Module):
    """x + Σ softmax(αs)_i op_i(x), plus an α that is off the computation path."""

    def __init__(self) -> None:
        super().__init__()
        self.ops = nn.ModuleList([nn.Linear(4, 4), nn.Sequential(nn.Linear(4, 4), nn.Tanh())])
        self.arch_alpha = nn.Parameter(torch.randn(2))
        self.unused = nn.Module()
        self.unused.arch_alpha = nn.Parameter(torch.randn(2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = F.softmax(self.arch_alpha, dim=-1)
        return x + w[0] * self.ops[0](x) + w[1] * self.ops[1](x)


def make_pair():
    torch.manual_seed(0)
    scene, task = Scene().to(DT), TinyNet().to(DT).train()
    x, y = torch.randn(8, 4, dtype=DT), torch.randn(8, 1, dtype=DT)
    return scene, task, x, y


def test_cross_term_is_task_loss_through_scene_output():
    scene, task, x, y = make_pair()
    alphas = [scene.arch_alpha, scene.unused.arch_alpha]
    bufs = {n: b.clone() for n, b in task.named_buffers()}
    got = cross_term(alphas, lambda: F.mse_loss(task(scene(x)), y), list(task.buffers()))
    for n, b in task.named_buffers():  # the train-mode BN pass was undone
        assert torch.equal(b, bufs[n]), n
    # another formulation: ∂Lt/∂y at the scene output, then the vector-Jacobian product of y
    out = scene(x)
    leaf = out.detach().requires_grad_()
    gy = torch.autograd.grad(F.mse_loss(task(leaf), y), leaf)[0]
    expected = torch.autograd.grad(out, scene.arch_alpha, grad_outputs=gy)[0]
    torch.testing.assert_close(got[0], expected, rtol=1e-12, atol=1e-15)
    assert got[0].norm() > 0
    assert torch.equal(got[1], torch.zeros(2, dtype=DT))  # α off the path
    assert all(p.grad is None for p in [*scene.parameters(), *task.parameters()])


def test_scene_hypergradient_combines_upper_and_cross_terms():
    scene, task, x, y = make_pair()
    xs, ts = torch.randn(2, 8, 4, dtype=DT), torch.randn(2, 8, 4, dtype=DT)
    prob = BilevelProblem.from_module(scene, lambda: F.mse_loss(scene(xs[0]), ts[0]),
                                      lambda: F.mse_loss(scene(xs[1]), ts[1]))
    opt = torch.optim.SGD(prob.weights, lr=0.2)
    beta = 0.7
    def task_val():
        return F.mse_loss(task(scene(x)), y)
    upper = hypergradient(prob, opt)
    cross = cross_term(prob.alphas, task_val)
    got = scene_hypergradient(prob, task_val, beta, opt, task_buffers=list(task.buffers()))
    for a, g, u, c in zip(prob.alphas, got, upper, cross):
        torch.testing.assert_close(g, u + beta * c, rtol=1e-12, atol=1e-15)
        assert a.grad is None  # returned, never written


def test_errors():
    model, data, prob, opt = setup('sgd')
    with pytest.raises(ValueError, match='optimiser'):
        hypergradient(prob, None, order=2)
    with pytest.raises(ValueError, match='order'):
        hypergradient(prob, opt, order=3)
    with pytest.raises(ValueError, match='not managed'):
        hypergradient(prob, torch.optim.SGD(prob.weights[:2], lr=0.1))
    with pytest.raises(NotImplementedError):
        hypergradient(prob, torch.optim.RMSprop(prob.weights, lr=0.1))
