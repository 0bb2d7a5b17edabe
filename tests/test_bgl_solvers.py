"""BGL solvers (METHOD.md §6) in float64: TBGL against the exact Hessian-vector product,
IBGL against its formula, and both on a toy bilevel problem with a known optimum."""
from __future__ import annotations

import pytest
import torch
from torch import nn

import mmruas  # noqa: F401
from mmruas.bgl import BGL_SOLVERS, IBGL, TBGL, ibgl_hypergradient
from mmruas.search import BilevelProblem

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


def _flat(ts):
    return torch.cat([t.reshape(-1) for t in ts])


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


def test_ibgl_update_is_the_formula():
    m, problem, batches = _pair(1)
    w, th = problem.alphas, problem.weights
    g = _flat(ibgl_hypergradient(problem))
    gf = torch.autograd.grad(problem.val_loss(), [*w, *th])
    gg = torch.autograd.grad(problem.train_loss(), [*w, *th])
    n = len(w)
    gf_w, gf_t, gg_w, gg_t = (_flat(gf[:n]), _flat(gf[n:]), _flat(gg[:n]), _flat(gg[n:]))
    ref = gf_w - (gf_t @ gg_t) / (gg_t @ gg_t) * gg_w
    assert torch.allclose(g, ref, rtol=1e-12, atol=1e-14)
    # one outer step: k SGD steps of θ on L_G, then ω ← ω − lr·G_F at the new θ
    k, lr_w, lr_t = 3, 0.1, 0.05
    ref_m = Pair().to(DT)
    ref_m.load_state_dict(m.state_dict())
    up, lo = torch.optim.SGD(w, lr=lr_w), torch.optim.SGD(th, lr=lr_t)
    IBGL(k=k).step(problem, up, lo)
    ref_problem = _problem(ref_m, batches)
    for _ in range(k):
        grads = torch.autograd.grad(ref_problem.train_loss(), ref_problem.weights)
        with torch.no_grad():
            for p, gi in zip(ref_problem.weights, grads):
                p.sub_(lr_t * gi)
    g_ref = ibgl_hypergradient(ref_problem)
    with torch.no_grad():
        for p, gi in zip(ref_problem.alphas, g_ref):
            p.sub_(lr_w * gi)
    assert torch.allclose(_flat(list(m.parameters())), _flat(list(ref_m.parameters())),
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
