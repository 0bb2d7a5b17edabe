"""The registry of BGL solvers (METHOD.md §6): ``dict(type='TBGL')`` / ``dict(type='IBGL')``.

A solver has ``hypergradient(problem, lower_optim)`` (the upper gradient ``G_F`` of a
:class:`~mmruas.search.BilevelProblem` with ``alphas`` = the block's weights ω and
``weights`` = the task's θ, ``train_loss`` = L_G, ``val_loss`` = L_F) and
``step(problem, upper_optim, lower_optim, lower_loss_fixed)`` (one outer iteration).
"""
from __future__ import annotations

from collections.abc import Callable

from mmengine.registry import Registry
from torch import Tensor

__all__ = ['BGL_SOLVERS', 'Closure']

Closure = Callable[[], Tensor]
BGL_SOLVERS = Registry('bgl solver', scope='mmruas', locations=['mmruas.bgl'])
