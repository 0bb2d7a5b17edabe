"""IBGL: the implicit BGL solver (BGL, ACM MM 2023, Alg. 1) — k lower steps, Gauss-Newton.

After k real lower steps on ``L_G`` (ω fixed), the implicit-function hypergradient
``G_F = ∇ω L_F − ∇²ωθ L_G·(∇²θθ L_G)⁻¹·∇θ L_F`` with the Gauss-Newton (outer-product)
approximations ``∇²θθ L_G ≈ g gᵀ``, ``∇²ωθ L_G ≈ ∇ω L_G gᵀ`` (``g = ∇θ L_G``, pseudo-
inverse of the rank-one matrix) reduces to::

    G_F = ∇ω L_F + G_C,   G_C = −[(∇θ L_F · ∇θ L_G) / (∇θ L_G · ∇θ L_G)]·∇ω L_G

with ``L_F`` on the upper (validation) batch and ``L_G`` on the iteration's lower
(training) batch, both at the θ the k steps reached.

Lower data: the paper's k lower iterations are iterations of *training* the task on the
lower data, so by default (``fresh_batches=True``) step 1 uses the iteration's own lower
batch and each of steps 2..k a newly drawn one (:class:`~mmruas.bgl.BGLHook` hands the
model the training loop's batch stream); ``fresh_batches=False`` takes all k steps on the
iteration's one batch (k steps towards that batch's minimiser; cheaper on data loading,
not what the paper describes). Cost: k forward-backward passes of the task alone (the
block's output of each lower batch is computed once, without a graph) plus one backward
of ``L_F`` and one of ``L_G`` through both.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from ..search.hypergradient import BilevelProblem, optimizer_step
from .solver import BGL_SOLVERS, LowerLossSource

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
        fresh_batches: draw a new lower batch for each of steps 2..k (module doc).
    """

    def __init__(self, k: int = 80, fresh_batches: bool = True) -> None:
        if int(k) < 1:
            raise ValueError(f'IBGL k must be >= 1, got {k}')
        self.k, self.fresh_batches = int(k), bool(fresh_batches)

    def hypergradient(self, problem: BilevelProblem, lower_optim: Any = None) -> list[Tensor]:
        """``G_F`` (:func:`ibgl_hypergradient`)."""
        return ibgl_hypergradient(problem)

    def step(self, problem: BilevelProblem, upper_optim: Any, lower_optim: Any,
             lower_loss_at: LowerLossSource | None = None) -> dict[str, Tensor]:
        """k lower steps (on ``lower_loss_at``'s closures when given, else on
        ``problem.train_loss``), then ω ← step(G_F); returns the last lower loss."""
        for i in range(self.k):
            closure = (problem.train_loss if lower_loss_at is None
                       else lower_loss_at(self.fresh_batches and i > 0))
            loss_g = closure()
            optimizer_step(lower_optim, problem.weights, problem.grads(loss_g, problem.weights))
        optimizer_step(upper_optim, problem.alphas, self.hypergradient(problem))
        return dict(loss_lower=loss_g.detach())
