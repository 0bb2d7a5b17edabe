"""BGL solvers (BGL, ACM MM 2023, Alg. 1) in float64: TBGL against the exact Hessian-vector
product and its step in Alg. 1's order against an independent computation, IBGL against its
formula with fresh or fixed lower batches, and both on a toy bilevel problem with a known
optimum."""
from __future__ import annotations

import pytest
import torch
from torch import nn

import mmruas  # noqa: F401
from mmruas.bgl import BGL_SOLVERS, IBGL, TBGL, ibgl_hypergradient
from mmruas.search import BilevelProblem
from tests.helpers.search import _fd_hypergradient, _flat, _ibgl_formula, _sgd

DT = torch.float64


class Pair(nn.Module):
    """Upper block F (ω) and lower task G (θ), smooth: x = F(z), y = G(x)."""

    def __init__(self) -> None:
        super().__init__()
        self.f = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 3))
        self.g = nn.Sequential(nn.Linear(3, 4), nn.Softplus(), nn.Linear(4, 3))

    def lower(self, z):       # L_G: fit of G's output to F's output plus a smoothness term
        x = self.f(z)
        return ((self.g(x) - x) ** 2).mean() + 0.1 * (self.g(x) ** 2).mean()

    def upper(self, z, gt):   # L_F on the composition (smooth so that δ → 0 is clean)
        return ((self.g(self.f(z)) - gt) ** 2).mean()


def _pair(seed=0):
    torch.manual_seed(seed)
    m = Pair().to(DT)
    z, zv, gt = (torch.randn(6, 4, dtype=DT), torch.randn(6, 4, dtype=DT),
                 torch.randn(6, 3, dtype=DT))
    return m, _problem(m, (z, zv, gt)), (z, zv, gt)


def _problem(m, batches):
    z, zv, gt = batches
    return BilevelProblem(list(m.f.parameters()), list(m.g.parameters()),
                          lambda: m.lower(z), lambda: m.upper(zv, gt))


def test_tbgl_second_order_term_is_the_hessian_vector_product():
    m, problem = _pair()[:2]
    w, th = problem.alphas, problem.weights
    xi = 0.05
    opt = torch.optim.SGD(th, lr=xi)
    before = _flat([p.detach().clone() for p in m.parameters()])
    g = TBGL(delta=1e-4).hypergradient(problem, opt)
    assert torch.equal(_flat(list(m.parameters())).detach(), before)   # nothing moved
    # exact: θ' = θ − ξ∇θL_G; G_F = ∇ωL_F(θ') − ξ·∇²ωθ L_G(ω, θ)·∇θ'L_F(ω, θ')
    g_th = torch.autograd.grad(problem.train_loss(), th)
    saved = [p.detach().clone() for p in th]
    with torch.no_grad():
        for p, gi in zip(th, g_th):
            p.sub_(xi * gi)
    out = torch.autograd.grad(problem.val_loss(), [*w, *th])
    g_val, v = out[:len(w)], out[len(w):]
    with torch.no_grad():
        for p, s in zip(th, saved):
            p.copy_(s)
    g_th = torch.autograd.grad(problem.train_loss(), th, create_graph=True)
    hvp = torch.autograd.grad(sum((gi * vi).sum() for gi, vi in zip(g_th, v)), w)
    exact = -xi * _flat(hvp)
    term = _flat(g) - _flat(g_val)
    assert exact.norm() > 1e-3                        # the term matters in this problem
    rel = (term - exact).norm() / exact.norm()
    print(f"TBGL relative error {float(rel):.2e}")
    assert rel < 1e-3, rel


def _copy(m, batches):
    ref = Pair().to(DT)
    ref.load_state_dict(m.state_dict())
    return ref, _problem(ref, batches)


@pytest.mark.parametrize('update_order', ['lower_first', 'upper_first'])
def test_tbgl_step_order(update_order):
    """Default (BGL Alg. 1): θ ← θ − ξ∇θL_G, then ω ← ω − η·G_F at the new θ;
    'upper_first' (DARTS's order): G_F at the old θ and the ω step first."""
    m, problem, batches = _pair(2)
    ref, rp = _copy(m, batches)
    lr_w, lr_t, delta = 0.1, 0.05, 1e-3
    up, lo = torch.optim.SGD(problem.alphas, lr=lr_w), torch.optim.SGD(problem.weights, lr=lr_t)
    log = TBGL(delta, update_order=update_order).step(problem, up, lo)
    if update_order == 'upper_first':
        _sgd(rp.alphas, _fd_hypergradient(rp, lr_t, delta), lr_w)
    assert torch.allclose(log['loss_lower'], rp.train_loss(), rtol=1e-14)   # before θ's step
    _sgd(rp.weights, torch.autograd.grad(rp.train_loss(), rp.weights), lr_t)
    if update_order == 'lower_first':
        _sgd(rp.alphas, _fd_hypergradient(rp, lr_t, delta), lr_w)
    moved = _flat(list(m.f.parameters())) - _flat([p.detach() for p in _pair(2)[0].f.parameters()])
    assert moved.norm() > 1e-3
    assert torch.allclose(_flat(list(m.parameters())), _flat(list(ref.parameters())),
                          rtol=0, atol=1e-12)


def test_tbgl_orders_differ():
    """The two orders are different updates (so the default is a real choice)."""
    outs = []
    for order in ('lower_first', 'upper_first'):
        m, problem = _pair(3)[:2]
        TBGL(0.01, update_order=order).step(problem, torch.optim.SGD(problem.alphas, lr=0.1),
                                            torch.optim.SGD(problem.weights, lr=0.05))
        outs.append(_flat(list(m.f.parameters())).detach())
    assert (outs[0] - outs[1]).norm() > 1e-6


def test_ibgl_update_is_the_formula():
    m, problem, batches = _pair(1)
    w, th = problem.alphas, problem.weights
    g = _flat(ibgl_hypergradient(problem))
    assert torch.allclose(g, _flat(_ibgl_formula(problem)), rtol=1e-12, atol=1e-14)
    # one outer step on a problem without data: k SGD steps of θ on L_G, then
    # ω ← ω − lr·G_F at the new θ
    k, lr_w, lr_t = 3, 0.1, 0.05
    ref, ref_problem = _copy(m, batches)
    up, lo = torch.optim.SGD(w, lr=lr_w), torch.optim.SGD(th, lr=lr_t)
    IBGL(k=k).step(problem, up, lo)
    for _ in range(k):
        _sgd(ref_problem.weights, torch.autograd.grad(ref_problem.train_loss(),
                                                      ref_problem.weights), lr_t)
    _sgd(ref_problem.alphas, _ibgl_formula(ref_problem), lr_w)
    assert torch.allclose(_flat(list(m.parameters())), _flat(list(ref.parameters())),
                          rtol=0, atol=1e-12)


@pytest.mark.parametrize('fresh', [True, False])
def test_ibgl_lower_steps_on_fresh_batches(fresh):
    """Default: lower step 1 on the iteration's batch, steps 2..k each on a newly drawn
    one; ``fresh_batches=False``: all k on the iteration's batch. G_F uses the iteration's
    batch for L_G."""
    m, problem, batches = _pair(4)
    ref, rp = _copy(m, batches)
    g = torch.Generator().manual_seed(7)
    extra = [torch.randn(6, 4, dtype=DT, generator=g) for _ in range(2)]
    drawn = []

    def lower_loss_at(new):
        if not new:
            return problem.train_loss
        z = extra[len(drawn)]
        drawn.append(z)
        return lambda: m.lower(z)

    solver = IBGL(k=3, fresh_batches=fresh)
    assert IBGL().fresh_batches is True                     # the default
    solver.step(problem, torch.optim.SGD(problem.alphas, lr=0.1),
                torch.optim.SGD(problem.weights, lr=0.05), lower_loss_at)
    assert len(drawn) == (2 if fresh else 0)
    zs = [batches[0], *extra] if fresh else [batches[0]] * 3
    for z in zs:
        _sgd(rp.weights, torch.autograd.grad(ref.lower(z), rp.weights), 0.05)
    _sgd(rp.alphas, _ibgl_formula(rp), 0.1)
    assert torch.allclose(_flat(list(m.parameters())), _flat(list(ref.parameters())),
                          rtol=0, atol=1e-12)


# ---------------------------------------------------------------------- toy bilevel problem
A = torch.tensor([1.0, 0.5, -0.5], dtype=DT)      # lower residual  r = aᵀθ − sᵀω
S = torch.tensor([0.8, -0.6], dtype=DT)
B = torch.tensor([1.0, 2.0, -1.0], dtype=DT)      # upper target:  L_F = ½‖θ − b‖²


def _toy():
    w = nn.Parameter(torch.tensor([0.3, 0.2], dtype=DT))
    th = nn.Parameter(torch.tensor([0.0, -0.5, 0.5], dtype=DT))
    problem = BilevelProblem([w], [th], lambda: 0.5 * (A @ th - S @ w) ** 2,
                             lambda: 0.5 * ((th - B) ** 2).sum())
    return w, th, problem


def _toy_optimum(theta0):
    """GD on L_G moves θ only along a: min over the line θ0 + t·a of ½‖θ − b‖²."""
    d = B - theta0
    perp = d - (A @ d) / (A @ A) * A
    return 0.5 * float(perp @ perp)


@pytest.mark.parametrize('solver', [dict(type='TBGL', delta=0.01), dict(type='IBGL', k=10)])
def test_solvers_reach_the_bilevel_optimum_where_joint_training_does_not(solver):
    w, th, problem = _toy()
    optimum = _toy_optimum(th.detach().clone())
    up, lo = torch.optim.SGD([w], lr=0.2), torch.optim.SGD([th], lr=0.4)
    s = BGL_SOLVERS.build(solver)
    start = float(problem.val_loss())
    for _ in range(150):
        s.step(problem, up, lo)
    final = float(problem.val_loss())
    assert final < 0.5 * start
    print(f"{solver}: upper {start:.4f} -> {final:.6f}, optimum {optimum:.6f}")
    assert abs(final - optimum) < 1e-4 * max(1.0, optimum), (final, optimum)
    assert float(problem.train_loss()) < 1e-6          # θ solves the lower problem
    # plain joint training of (ω, θ) on L_G (the warm start) from the same start
    w2, th2, p2 = _toy()
    joint = torch.optim.SGD([w2, th2], lr=0.2)
    for _ in range(150):
        joint.zero_grad()
        p2.train_loss().backward()
        joint.step()
    assert float(p2.train_loss()) < 1e-6
    print(f"joint training on L_G: upper {float(p2.val_loss()):.4f}")
    assert float(p2.val_loss()) > optimum + 0.5


def test_solver_arguments():
    with pytest.raises(ValueError, match='delta'):
        TBGL(delta=0)
    with pytest.raises(ValueError, match='k'):
        IBGL(k=0)
    with pytest.raises(ValueError, match='update_order'):
        TBGL(update_order='sideways')
