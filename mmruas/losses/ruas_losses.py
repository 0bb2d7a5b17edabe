"""The unsupervised RUAS losses as registered modules (METHOD.md §1-2).

* :class:`IEMLoss` — ``½‖t − t̂‖² + η_t·RTV(t)`` summed over the IEM stages. METHOD.md
  writes the target as the warm start t̂⁰; with K stages, ``target='stage'`` (default)
  compares every tᵏ⁺¹ with its own stage's warm start t̂ᵏ (as the released family code
  pairs each stage's input with its illumination), ``target='first'`` uses t̂⁰ for all.
  Targets are detached (the warm start is the fixed point to reach, not a variable).
* :class:`NRMLoss` — ``½‖x − uᴷ‖² + η_n·TV(x)`` (uᴷ detached: the NRM learns to
  denoise the IEM's output; it does not pull the IEM towards its own output).
* :class:`SceneLoss` — ℓs ``= ‖tᴷ − y‖² + η·RTV(tᴷ)`` (eq. 5), the scene term that
  end-to-end training adds to a task loss with weight λ.
Squared norms are averaged over pixels (mean), as are RTV and TV.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ..registry import MODELS
from .smoothness import relative_total_variation, total_variation

__all__ = ['RTVLoss', 'TVLoss', 'IEMLoss', 'NRMLoss', 'SceneLoss']


@MODELS.register_module()
class RTVLoss(nn.Module):
    """``loss_weight · RTV(x)``."""

    def __init__(self, sigma: float = 3.0, eps: float = 1e-3, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.sigma, self.eps, self.loss_weight = sigma, eps, loss_weight

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.loss_weight * relative_total_variation(x, self.sigma, self.eps)


@MODELS.register_module()
class TVLoss(nn.Module):
    """``loss_weight · TV(x)``."""

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.loss_weight * total_variation(x)


@MODELS.register_module()
class IEMLoss(nn.Module):
    """``Σ_k ½‖tᵏ⁺¹ − t̂ᵏ‖² + η_t·RTV(tᵏ⁺¹)`` (``target='stage'``) or with t̂⁰ for all
    stages (``target='first'``)."""

    def __init__(self, eta: float = 0.1, sigma: float = 3.0, eps: float = 1e-3,
                 target: str = 'stage', loss_weight: float = 1.0) -> None:
        super().__init__()
        if target not in ('stage', 'first'):
            raise ValueError(f"IEMLoss target must be 'stage' or 'first', got {target!r}")
        self.eta, self.sigma, self.eps, self.loss_weight = eta, sigma, eps, loss_weight
        self.target = target

    def forward(self, ts: Sequence[torch.Tensor],
                t_hats: Sequence[torch.Tensor]) -> torch.Tensor:
        if len(ts) != len(t_hats):
            raise ValueError(f'IEMLoss got {len(ts)} illuminations and {len(t_hats)} warm starts')
        total = ts[0].new_zeros(())
        for t, t_hat in zip(ts, t_hats):
            target = (t_hat if self.target == 'stage' else t_hats[0]).detach()
            total = total + 0.5 * (t - target).pow(2).mean() \
                + self.eta * relative_total_variation(t, self.sigma, self.eps)
        return self.loss_weight * total


@MODELS.register_module()
class NRMLoss(nn.Module):
    """``½‖x − uᴷ‖² + η_n·TV(x)``."""

    def __init__(self, eta: float = 0.1, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.eta, self.loss_weight = eta, loss_weight

    def forward(self, x: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
        fidelity = 0.5 * (x - u.detach()).pow(2).mean()
        return self.loss_weight * (fidelity + self.eta * total_variation(x))


@MODELS.register_module()
class SceneLoss(nn.Module):
    """ℓs ``= ‖tᴷ − y‖² + η·RTV(tᴷ)`` (RUAS-TPAMI eq. 5)."""

    def __init__(self, eta: float = 0.1, sigma: float = 3.0, eps: float = 1e-3,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        self.eta, self.sigma, self.eps, self.loss_weight = eta, sigma, eps, loss_weight

    def forward(self, t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.loss_weight * ((t - y).pow(2).mean()
                                   + self.eta * relative_total_variation(t, self.sigma,
                                                                         self.eps))
