"""TBGL: the truncated BGL solver (METHOD.md §6) — one lower step, finite differences.

The pair is BGL's ``min_ω L_F(ω, θ*(ω))`` s.t. ``θ*(ω) = argmin_θ L_G(ω, θ)`` with ω the
generative block's weights (upper) and θ the task's (lower). The hypergradient
``G_F = ∇ω L_F(ω, θ') − ξ·[∇ω L_G(ω, θ⁺) − ∇ω L_G(ω, θ⁻)] / 2δ``, ``θ' = θ − ξ∇θ L_G``,
``θ± = θ ± δ·∇θ' L_F(ω, θ')`` is exactly the one-step finite-difference hypergradient of
the cooperative search, so it is computed by :func:`mmruas.search.hypergradient` with
``alphas = ω`` and ``weights = θ`` (one implementation, two callers); the virtual step is
the lower optimiser's own rule (SGD exact, Adam with frozen preconditioner).

Note: METHOD.md writes the difference direction as ``∇θ L_G``; the chain rule (and
DARTS) gives ``∇θ' L_F`` — ``∂θ'/∂ω = −ξ∇²θω L_G`` multiplies ``∇θ L_F``.
"""
from __future__ import annotations

from typing import Any

from torch import Tensor

from ..search.hypergradient import BilevelProblem, hypergradient
from ..search.search_model import optimizer_step
from .solver import BGL_SOLVERS, Closure

__all__ = ['TBGL']


@BGL_SOLVERS.register_module()
class TBGL:
    """Args:
        delta: finite-difference radius δ (``ε = δ/‖∇θ' L_F‖``, 0.01 as in DARTS).
    """

    def __init__(self, delta: float = 0.01) -> None:
        if delta <= 0:
            raise ValueError(f'TBGL delta must be positive, got {delta}')
        self.delta = float(delta)

    def hypergradient(self, problem: BilevelProblem, lower_optim: Any) -> list[Tensor]:
        """``G_F`` for ``problem.alphas`` (ω); parameters and optimiser state unchanged."""
        return hypergradient(problem, lower_optim, order=2, r=self.delta, set_grad=False)

    def step(self, problem: BilevelProblem, upper_optim: Any, lower_optim: Any,
             lower_loss_fixed: Closure | None = None) -> dict[str, Tensor]:
        """ω ← step(G_F), then one real lower step θ ← step(∇θ L_G); returns the losses."""
        optimizer_step(upper_optim, problem.alphas, self.hypergradient(problem, lower_optim))
        loss_g = problem.train_loss()
        optimizer_step(lower_optim, problem.weights, problem.grads(loss_g, problem.weights))
        return dict(loss_lower=loss_g.detach())
