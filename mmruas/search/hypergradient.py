"""Upper-level (architecture) gradients of a bilevel pair (docs/method.md#one-step-hypergradient,
RUAS-TPAMI Alg. 1).

With upper variables α, lower weights ω, training loss ``L_tr(ω, α)`` and validation
loss ``L_val(ω, α)``, the one-step approximation of DARTS (Liu et al. 2019) is::

    first order (ξ = 0):  g = ∇α L_val(ω, α)
    second order:         ω' = step(ω)                       (one virtual optimiser step)
                          g  = ∇α L_val(ω', α) − [∇α L_tr(ω⁺, α) − ∇α L_tr(ω⁻, α)] / (2ε)
                          ω± = ω ± ε·u,   u = D·∇ω' L_val(ω', α),   ε = r / ‖u‖

``step`` is the real optimiser's update rule evaluated from its current state, and
``D = −∂ω'/∂(∇ω L_tr)`` is the diagonal Jacobian of that step with respect to the
training gradient, so ``−Dᵀ·∂²L_tr/∂ω∂α`` is the chain-rule factor ``∂ω'/∂α``:

* SGD (lr ξ, momentum μ, dampening τ, weight decay λ, buffer ``buf``):
  ``ω' = ω − ξ·(μ·buf + (1−τ)(∇ω L_tr + λω))`` (``buf`` absent: ``ω − ξ(∇ω L_tr + λω)``;
  Nesterov as in :class:`torch.optim.SGD`). ``D = ξ·c`` with the constant ``c`` (1 for
  plain SGD), so ``u = ξ·v`` with ``v = ∇ω' L_val`` and the formula is the DARTS one,
  ``ε = r/‖v‖`` and the difference quotient multiplied by ξ. **Exact** up to the
  finite difference.
* Adam / AdamW: ``ω'`` is one full Adam update from the current ``exp_avg``,
  ``exp_avg_sq`` (``max_exp_avg_sq``) and ``step`` — the value is exactly the step the
  optimiser would take. For the Hessian term the **preconditioner is treated as
  constant** (linearisation): ``∂ω'/∂α = −ξ·P·∂²L_tr/∂ω∂α`` with
  ``P = (1−β1) / ((1−β1ᵗ)·(√(ŝ/(1−β2ᵗ)) + eps))`` evaluated at the current point, i.e.
  ``v = P·∇ω' L_val`` in the DARTS formula. The dependence of the second moment ŝ on
  the gradient is ignored.

Cost: L_tr forward+backward three times (virtual step, ω⁺, ω⁻) and L_val once: four
passes. The virtual weights are written into the parameters **in place** (the closures
read the model), and every weight and buffer is copied back bit-identically afterwards
(also when a closure raises). Gradients are taken with :func:`torch.autograd.grad`, so
no ``.grad`` attribute is touched: the α gradients are returned, and the caller steps α
with them. The optimiser state is only read.
The virtual step sees only ``∇ω L_tr``; gradient clipping or loss scaling applied by an
optimiser wrapper is not reproduced.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

from ..search_space.alphas import split_arch_params
from .distributed import all_reduce_mean

__all__ = ['BilevelProblem', 'hypergradient', 'cross_term', 'scene_hypergradient',
           'rank_mean_grads', 'optimizer_step']

Closure = Callable[[], Tensor]
Reduce = Callable[[list[Tensor]], list[Tensor]]


@dataclass
class BilevelProblem:
    """One bilevel pair: ``min_α L_val(ω*(α), α)`` s.t. ``ω*(α) = argmin_ω L_tr(ω, α)``.

    Args:
        alphas: upper variables α.
        weights: lower variables ω (disjoint from ``alphas``); must belong to the optimiser
            for a second-order gradient.
        train_loss: closure recomputing ``L_tr`` at the current parameters (train batch).
        val_loss: closure recomputing ``L_val`` at the current parameters (validation batch).
        buffers: tensors the closures may change in place (BatchNorm running statistics);
            they are restored after every virtual pass.
        reduce: applied to every gradient list before use, e.g. the average over
            data-parallel ranks (:func:`mmruas.search.distributed.all_reduce_mean`), so
            that N processes compute the hypergradient of the global batch.
    """

    alphas: list[nn.Parameter]
    weights: list[nn.Parameter]
    train_loss: Closure
    val_loss: Closure
    buffers: list[Tensor] = field(default_factory=list)
    reduce: Reduce | None = None

    def grads(self, loss: Tensor, params: Sequence[Tensor]) -> list[Tensor]:
        """``∇ loss`` w.r.t. ``params`` (zeros where unused), passed through ``reduce``."""
        gs = grads_or_zeros(loss, params)
        return list(self.reduce(gs)) if self.reduce is not None and gs else gs

    @classmethod
    def from_module(cls, module: nn.Module, train_loss: Closure,
                    val_loss: Closure) -> BilevelProblem:
        """α = the trainable ``arch_alpha`` of ``module``, ω = its other trainable
        parameters (:func:`~mmruas.search_space.split_arch_params`)."""
        alphas, weights = split_arch_params(module)
        return cls(alphas, weights, train_loss, val_loss, list(module.buffers()))


def grads_or_zeros(loss: Tensor, params: Sequence[Tensor]) -> list[Tensor]:
    """``∇ loss`` for each of ``params``; zeros where the loss does not depend on one."""
    if not params:
        return []
    if not loss.requires_grad:
        return [torch.zeros_like(p) for p in params]
    gs = torch.autograd.grad(loss, list(params), allow_unused=True)
    return [torch.zeros_like(p) if g is None else g for p, g in zip(params, gs)]


def _snapshot(tensors: Sequence[Tensor]) -> list[Tensor]:
    return [t.detach().clone() for t in tensors]


@torch.no_grad()
def _restore(tensors: Sequence[Tensor], saved: Sequence[Tensor]) -> None:
    for t, s in zip(tensors, saved):
        t.copy_(s)


def _unwrap(optimizer: Any) -> torch.optim.Optimizer:
    """Accept a torch optimiser or an mmengine ``OptimWrapper`` (``.optimizer``)."""
    if optimizer is None:
        raise ValueError('a second-order hypergradient needs the lower-level optimiser '
                         '(its lr and state define the virtual step); use order=1 otherwise')
    if not isinstance(optimizer, torch.optim.Optimizer):
        optimizer = getattr(optimizer, 'optimizer', optimizer)
    if not isinstance(optimizer, (torch.optim.SGD, torch.optim.Adam, torch.optim.AdamW)):
        raise NotImplementedError(f'virtual step for {type(optimizer).__name__}: only SGD, '
                                  'Adam and AdamW are supported')
    return optimizer


@torch.no_grad()
def _virtual_update(p: Tensor, grad: Tensor, group: dict, state: dict,
                    optimizer: torch.optim.Optimizer) -> tuple[Tensor, Tensor | float]:
    """``(ω' − ω, D)`` for one weight: the optimiser's next update and its Jacobian scale.

    ``ω' = ω + delta`` reproduces ``optimizer.step()`` given ``p.grad = grad``, and
    ``∂ω'/∂α = −D·∂grad/∂α`` (D exact for SGD; preconditioner frozen for Adam).
    """
    lr = group['lr']
    sign = -1.0 if group.get('maximize', False) else 1.0
    d = grad * sign
    wd = group.get('weight_decay', 0.0)
    if isinstance(optimizer, torch.optim.SGD):
        if wd != 0:
            d = d + wd * p
        c = 1.0
        mu = group.get('momentum', 0.0)
        if mu != 0:
            buf = state.get('momentum_buffer')
            if buf is None:        # first step: torch sets buf = d (no dampening)
                buf, cb = d, 1.0
            else:
                tau = group.get('dampening', 0.0)
                buf, cb = mu * buf + (1 - tau) * d, 1 - tau
            if group.get('nesterov', False):
                d, c = d + mu * buf, 1 + mu * cb
            else:
                d, c = buf, cb
        return -lr * d, lr * c * sign
    # Adam / AdamW
    beta1, beta2 = group['betas']
    decoupled = group.get('decoupled_weight_decay', isinstance(optimizer, torch.optim.AdamW))
    delta = torch.zeros_like(p)
    if wd != 0:
        if decoupled:
            delta = -(lr * wd) * p          # ω ← ω(1 − lr·λ) precedes the Adam update
        else:
            d = d + wd * p
    step = torch.as_tensor(state.get('step', 0.0), dtype=p.dtype, device=p.device) + 1
    m = state.get('exp_avg')
    s = state.get('exp_avg_sq')
    m = (1 - beta1) * d if m is None else beta1 * m + (1 - beta1) * d
    s = (1 - beta2) * d * d if s is None else beta2 * s + (1 - beta2) * d * d
    if group.get('amsgrad', False) and state.get('max_exp_avg_sq') is not None:
        s = torch.maximum(state['max_exp_avg_sq'], s)
    bc1 = 1 - beta1 ** step
    bc2 = 1 - beta2 ** step
    denom = (s.sqrt() / bc2.sqrt()).add_(group['eps'])
    delta = delta - (lr / bc1) * m / denom
    return delta, (lr * (1 - beta1) * sign) / (bc1 * denom)


def _second_order(problem: BilevelProblem, optimizer: torch.optim.Optimizer, r: float,
                  saved_buffers: list[Tensor]) -> list[Tensor]:
    alphas, weights = problem.alphas, problem.weights
    groups = {id(p): g for g in optimizer.param_groups for p in g['params']}
    missing = [i for i, w in enumerate(weights) if id(w) not in groups]
    if missing:
        raise ValueError(f'weights {missing} are not managed by the optimiser')
    saved_w = _snapshot(weights)
    try:
        # 1. virtual step ω' = step(ω) with the real optimiser's rule (L_tr pass 1)
        g_tr = torch.autograd.grad(problem.train_loss(), weights, allow_unused=True)
        used = [i for i, g in enumerate(g_tr) if g is not None]
        if problem.reduce is not None and used:
            g_tr = list(g_tr)
            for i, g in zip(used, problem.reduce([g_tr[i] for i in used])):
                g_tr[i] = g
        scales: list[Tensor | float | None] = []
        with torch.no_grad():
            for w, g in zip(weights, g_tr):
                if g is None:           # torch optimisers skip params without a gradient
                    scales.append(None)
                    continue
                delta, scale = _virtual_update(w, g, groups[id(w)], optimizer.state.get(w, {}),
                                               optimizer)
                w.add_(delta)
                scales.append(scale)
        del g_tr
        # 2. ∇α L_val(ω', α) and v = ∇ω' L_val(ω', α) (L_val pass)
        _restore(problem.buffers, saved_buffers)
        out = problem.grads(problem.val_loss(), [*alphas, *weights])
        g_val, v = out[:len(alphas)], out[len(alphas):]
        u = [vi * s for vi, s in zip(v, scales) if s is not None]
        idx = [i for i, s in enumerate(scales) if s is not None]
        if not u:
            return g_val
        # 3. central difference of ∇α L_tr along u: ε = r/‖u‖ (a tensor, no host sync).
        # torch._foreach_*: torch's multi-tensor kernels (as its optimisers use) have no
        # public name; the one exception to "no private names" in this file
        norms = torch._foreach_norm(u)
        norm = torch.linalg.vector_norm(torch.stack([n.to(norms[0]) for n in norms]))
        eps = r / norm.clamp_min(torch.finfo(norm.dtype).tiny)
        step = torch._foreach_mul(u, eps)
        moved = [weights[i] for i in idx]
        diffs: list[list[Tensor]] = []
        for sign in (1.0, -1.0):
            _restore(weights, saved_w)
            _restore(problem.buffers, saved_buffers)
            with torch.no_grad():
                torch._foreach_add_(moved, step, alpha=sign)
            diffs.append(problem.grads(problem.train_loss(), alphas))
        g_plus, g_minus = diffs
        return [gv - (gp - gm) / (2 * eps) for gv, gp, gm in zip(g_val, g_plus, g_minus)]
    finally:
        _restore(weights, saved_w)


def hypergradient(problem: BilevelProblem, optimizer: Any = None, order: int = 2,
                  r: float = 0.01) -> list[Tensor]:
    """∇α of the upper objective, first (``order=1``) or second order (module docstring).

    Args:
        problem: the bilevel pair.
        optimizer: the lower-level optimiser of ``problem.weights`` (SGD, Adam, AdamW or an
            mmengine wrapper of one); each weight's lr/momentum/weight decay/betas/eps are
            read from its param group. Not used for ``order=1``.
        order: 1 (``∇α L_val(ω, α)``) or 2 (one-step unrolled, finite-difference Hessian).
        r: finite-difference radius, ``ε = r/‖u‖`` (0.01 in DARTS).

    Returns:
        one gradient per ``problem.alphas`` (same shapes). Weights, buffers, optimiser
        state and the weights' ``.grad`` are left bit-identical.
    """
    if order not in (1, 2):
        raise ValueError(f'order must be 1 or 2, got {order}')
    ids = {id(a) for a in problem.alphas}
    if any(id(w) in ids for w in problem.weights):
        raise ValueError('alphas and weights must be disjoint')
    opt = _unwrap(optimizer) if order == 2 else None
    saved_buffers = _snapshot(problem.buffers)
    try:
        if order == 1:
            grads = problem.grads(problem.val_loss(), problem.alphas)
        else:
            grads = _second_order(problem, opt, r, saved_buffers)
    finally:
        _restore(problem.buffers, saved_buffers)
    return grads


def cross_term(alphas: Sequence[Tensor], loss_fn: Closure,
               buffers: Sequence[Tensor] = (), reduce: Reduce | None = None) -> list[Tensor]:
    """``∇αs Lt_val(αt(αs); ωt)``: the task validation loss through the scene output.

    ``loss_fn`` runs scene then task on a validation batch (RUAS-TPAMI §4.2); the
    gradient is plain first-order autograd with ωt fixed, zeros for α off the path.
    ``buffers`` (BatchNorm statistics the pass changes) are restored afterwards;
    ``reduce`` as in :class:`BilevelProblem`.
    """
    saved = _snapshot(buffers)
    try:
        gs = grads_or_zeros(loss_fn(), list(alphas))
        return list(reduce(gs)) if reduce is not None and gs else gs
    finally:
        _restore(buffers, saved)


def scene_hypergradient(scene: BilevelProblem, task_val_loss: Closure, beta: float,
                        optimizer: Any = None, order: int = 2, r: float = 0.01,
                        task_buffers: Sequence[Tensor] = ()) -> list[Tensor]:
    """Scene-phase gradient of cooperative search (docs/method.md#cooperative-search-alg-1, step 1).

    ``∇αs Ls_val(αs; ωs − ξ∇ωs Ls_tr) + β·∇αs Lt_val(αt(αs); ωt)``: the scene pair's
    :func:`hypergradient` plus ``β`` times :func:`cross_term`.
    """
    upper = hypergradient(scene, optimizer, order, r)
    cross = cross_term(scene.alphas, task_val_loss, [*scene.buffers, *task_buffers],
                       scene.reduce)
    return [u + beta * c for u, c in zip(upper, cross)]


# ------------------------------------------------------ applying gradients (one α step)
def rank_mean_grads(loss: Tensor, params: Sequence[Tensor]) -> list[Tensor]:
    """Gradients averaged over data-parallel ranks (zeros where unused)."""
    return all_reduce_mean(grads_or_zeros(loss, params))


def optimizer_step(wrapper: Any, params: Sequence[nn.Parameter], grads: Sequence[Tensor]) -> None:
    """One optimiser step of ``params`` with the given (true, unscaled) gradients.

    Under AMP (mmengine's ``AmpOptimWrapper``) ``step`` unscales the gradients by the loss
    scale and skips the step when one is not finite, so they are handed over multiplied by
    that scale; otherwise the step would divide true gradients by it (or, before any scaled
    backward, fail on an uninitialised scale)."""
    scaler = getattr(wrapper, 'loss_scaler', None)   # AmpOptimWrapper's GradScaler, public
    scale = None
    if scaler is not None and grads:     # (no grads: e.g. a frozen side's empty group)
        scale = scaler.scale(torch.ones((), device=grads[0].device))
    for p, g in zip(params, grads):
        p.grad = g.detach().clone() if scale is None else g.detach() * scale
    wrapper.step()
    wrapper.zero_grad()
