"""The registry of BGL solvers (BGL, ACM MM 2023, Alg. 1): ``TBGL`` and ``IBGL``.

A solver has ``hypergradient(problem, lower_optim)`` (the upper gradient ``G_F`` of a
:class:`~mmruas.search.BilevelProblem` with ``alphas`` = the block's weights ω and
``weights`` = the task's θ, ``train_loss`` = L_G on the iteration's lower batch,
``val_loss`` = L_F on its upper batch) and
``step(problem, upper_optim, lower_optim, lower_loss_at=None)`` (one outer iteration).

``lower_loss_at(fresh)`` (a :data:`LowerLossSource`, given by :class:`~mmruas.bgl.BGLModel`)
returns a closure of L_G with the block's output computed once, without a graph (a step
of θ alone needs no graph through ω): on the iteration's own lower batch
(``fresh=False``) or on a newly drawn lower batch (``fresh=True``). Without it (a
problem without data, e.g. a toy one) every lower step uses ``problem.train_loss``.
"""
from __future__ import annotations

from collections.abc import Callable

from mmengine.registry import Registry
from torch import Tensor

__all__ = ['BGL_SOLVERS', 'Closure', 'LowerLossSource']

Closure = Callable[[], Tensor]
LowerLossSource = Callable[[bool], Closure]
BGL_SOLVERS = Registry('bgl solver', scope='mmruas', locations=['mmruas.bgl'])
