"""IBGL: the implicit BGL solver (METHOD.md §6) — k lower steps, Gauss-Newton hypergradient.

After k real lower steps on ``L_G`` (ω fixed), the implicit-function hypergradient
``G_F = ∇ω L_F − ∇²ωθ L_G·(∇²θθ L_G)⁻¹·∇θ L_F`` with the Gauss-Newton (outer-product)
approximations ``∇²θθ L_G ≈ g gᵀ``, ``∇²ωθ L_G ≈ ∇ω L_G gᵀ`` (``g = ∇θ L_G``, pseudo-
inverse of the rank-one matrix) reduces to::

    G_F = ∇ω L_F + G_C,   G_C = −[(∇θ L_F · ∇θ L_G) / (∇θ L_G · ∇θ L_G)]·∇ω L_G

with ``L_F`` on the upper (validation) batch and ``L_G`` on the lower (training) batch.
Cost: k lower forward-backward passes of the task alone (the block's output is computed
once, without a graph) plus one backward of ``L_F`` and one of ``L_G`` through both.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from ..search.hypergradient import BilevelProblem
from ..search.search_model import optimizer_step
from .solver import BGL_SOLVERS, Closure

__all__ = ['IBGL', 'ibgl_hypergradient']


def _dot(a: list[Tensor], b: list[Tensor]) -> Tensor:
    return sum((x * y).sum() for x, y in zip(a, b))


def ibgl_hypergradient(problem: BilevelProblem) -> list[Tensor]:
    """``∇ω L_F + G_C`` at the current (ω, θ) (module doc); no host synchronisation."""
    upper, lower = problem.alphas, problem.weights
    n = len(upper)
    g_f = problem.grads(problem.val_loss(), [*upper, *lower])
    g_g = problem.grads(problem.train_loss(), [*upper, *lower])
    num = _dot(g_f[n:], g_g[n:])
    den = _dot(g_g[n:], g_g[n:])
    coef = num / den.clamp_min(torch.finfo(den.dtype).tiny)
    return [gf - coef * gg for gf, gg in zip(g_f[:n], g_g[:n])]


@BGL_SOLVERS.register_module()
class IBGL:
    """Args:
        k: lower steps before every upper step (80 for enhancement, 30 for detection).
    """

    def __init__(self, k: int = 80) -> None:
        if int(k) < 1:
            raise ValueError(f'IBGL k must be >= 1, got {k}')
        self.k = int(k)

    def hypergradient(self, problem: BilevelProblem, lower_optim: Any = None) -> list[Tensor]:
        """``G_F`` (:func:`ibgl_hypergradient`)."""
        return ibgl_hypergradient(problem)

    def step(self, problem: BilevelProblem, upper_optim: Any, lower_optim: Any,
             lower_loss_fixed: Closure | None = None) -> dict[str, Tensor]:
        """k lower steps (on ``lower_loss_fixed``, L_G with the block's output fixed, when
        given), then ω ← step(G_F); returns the last lower loss."""
        closure = lower_loss_fixed or problem.train_loss
        for _ in range(self.k):
            loss_g = closure()
            optimizer_step(lower_optim, problem.weights, problem.grads(loss_g, problem.weights))
        optimizer_step(upper_optim, problem.alphas, self.hypergradient(problem))
        return dict(loss_lower=loss_g.detach())
