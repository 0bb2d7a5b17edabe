"""TBGL: the truncated BGL solver (BGL, ACM MM 2023, Alg. 1) — one lower step, finite differences.

The pair is BGL's ``min_ω L_F(ω, θ*(ω))`` s.t. ``θ*(ω) = argmin_θ L_G(ω, θ)`` with ω the
generative block's weights (upper) and θ the task's (lower). One outer iteration follows
Alg. 1: first the lower variables, ``θ ← step(∇θ L_G(ω, θ))``, then, at the new θ, the
hypergradient ``G_F = ∇ω L_F(ω, θ') − ξ·[∇ω L_G(ω, θ⁺) − ∇ω L_G(ω, θ⁻)] / 2δ`` with
``θ' = θ − ξ∇θ L_G``, ``θ± = θ ± δ·∇θ' L_F(ω, θ')`` and ``ω ← step(G_F)``.

``G_F`` is exactly the one-step finite-difference hypergradient of the cooperative
search, so it is computed by :func:`mmruas.search.hypergradient` with ``alphas = ω`` and
``weights = θ`` (one implementation, two callers); the virtual step θ' is the lower
optimiser's own rule (SGD exact, Adam with frozen preconditioner) from its current state.

Note: the finite-difference direction is ``∇θ' L_F``: the chain rule (and DARTS) gives
``∂θ'/∂ω = −ξ∇²θω L_G`` multiplying ``∇θ L_F`` (a summary writing ``∇θ L_G`` there would
not be the hypergradient).
"""
from __future__ import annotations

from typing import Any

from torch import Tensor

from ..search.hypergradient import BilevelProblem, hypergradient, optimizer_step
from .solver import BGL_SOLVERS, LowerLossSource

__all__ = ['TBGL', 'TBGL_ORDERS']

TBGL_ORDERS = ('lower_first', 'upper_first')


@BGL_SOLVERS.register_module()
class TBGL:
    """Args:
        delta: finite-difference radius δ (``ε = δ/‖∇θ' L_F‖``, 0.01 as in DARTS).
        update_order: ``'lower_first'`` (default, BGL Alg. 1: θ step, then ``G_F`` at the
            new θ and the ω step) or ``'upper_first'`` (DARTS's order: ``G_F`` and the ω
            step first, then the θ step — the virtual step ``G_F`` differentiates through is
            then the real lower step that follows; kept for comparison with the search).
    """

    def __init__(self, delta: float = 0.01, update_order: str = 'lower_first') -> None:
        if delta <= 0:
            raise ValueError(f'TBGL delta must be positive, got {delta}')
        if update_order not in TBGL_ORDERS:
            raise ValueError(f'TBGL update_order must be one of {TBGL_ORDERS}, '
                             f'got {update_order!r}')
        self.delta, self.update_order = float(delta), update_order

    def hypergradient(self, problem: BilevelProblem, lower_optim: Any) -> list[Tensor]:
        """``G_F`` for ``problem.alphas`` (ω); parameters and optimiser state unchanged."""
        return hypergradient(problem, lower_optim, order=2, r=self.delta)

    def step(self, problem: BilevelProblem, upper_optim: Any, lower_optim: Any,
             lower_loss_at: LowerLossSource | None = None) -> dict[str, Tensor]:
        """One outer iteration in ``update_order``; returns L_G before the θ step.
        (``lower_loss_at`` is not used: the one lower step is on the iteration's batch.)"""
        if self.update_order == 'upper_first':
            optimizer_step(upper_optim, problem.alphas,
                           self.hypergradient(problem, lower_optim))
        loss_g = problem.train_loss()
        optimizer_step(lower_optim, problem.weights, problem.grads(loss_g, problem.weights))
        if self.update_order == 'lower_first':
            optimizer_step(upper_optim, problem.alphas,
                           self.hypergradient(problem, lower_optim))
        return dict(loss_lower=loss_g.detach())
