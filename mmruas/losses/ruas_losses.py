"""The unsupervised RUAS losses as registered modules.

* :class:`SceneLoss` — the paper's scene loss ℓs ``= ‖tᴷ − y‖² + η·RTV(tᴷ)``
  (RUAS-TPAMI eq. 5): the *last* stage's illumination against the *input* y, RTV of
  Xu et al. 2012. The default scene objective everywhere (enhancement, hierarchical
  stage 1, λ·ℓs of end-to-end training).
* :class:`StagewiseIEMLoss` — ``Σ_k ½‖tᵏ⁺¹ − t̂ᵏ‖² + η·RTV(tᵏ⁺¹)``, every stage against
  its own warm start (``target='stage'``) or against t̂⁰ (``target='first'``). **Not a
  loss of the papers**: mmruas's former default, kept as a named option because it gives
  every unrolled stage a direct training signal (useful for deep unrollings whose early
  stages ℓs reaches only through later ones). Targets are detached.
* :class:`NRMLoss` — ``½‖x − uᴷ‖² + η_n·TV(x)`` (RUAS-CVPR §3.2; uᴷ detached: the NRM
  learns to denoise the IEM's output, it does not pull the IEM towards its own output).

The authors' *training-script* losses are in :mod:`mmruas.losses.authors_losses`.
Squared norms are averaged over elements (mean), as are RTV and TV, so that the weights
do not depend on the image size.

Scene losses share one call, :meth:`scene_loss_of_stages` ``(ts, t_hats, y)`` (every stage's t and
t̂, and the input), so a model can use any of them without knowing which terms it reads.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ..registry import MODELS
from .smoothness import relative_total_variation, total_variation

__all__ = ['RTVLoss', 'TVLoss', 'SceneLoss', 'StagewiseIEMLoss', 'NRMLoss', 'scene_loss_of_stages']


def scene_loss_of_stages(loss: nn.Module, ts: Sequence[torch.Tensor],
                         t_hats: Sequence[torch.Tensor], y: torch.Tensor) -> torch.Tensor:
    """A scene loss on one scene output's stages: ``loss.scene_loss_of_stages(ts, t_hats,
    y)``, or for a plain ``loss(t, y)`` module (ℓs-like, e.g. a user's own)
    ``loss(ts[-1], y)``."""
    if hasattr(loss, 'scene_loss_of_stages'):
        return loss.scene_loss_of_stages(ts, t_hats, y)
    return loss(ts[-1], y)


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
class SceneLoss(nn.Module):
    """ℓs ``= ‖tᴷ − y‖² + η·RTV(tᴷ)`` (RUAS-TPAMI eq. 5). ``forward(t, y)`` with t = tᴷ."""

    def __init__(self, eta: float = 0.1, sigma: float = 3.0, eps: float = 1e-3,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        self.eta, self.sigma, self.eps, self.loss_weight = eta, sigma, eps, loss_weight

    def forward(self, t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.loss_weight * ((t - y).pow(2).mean()
                                   + self.eta * relative_total_variation(t, self.sigma,
                                                                         self.eps))

    def scene_loss_of_stages(self, ts: Sequence[torch.Tensor], t_hats: Sequence[torch.Tensor],
                   y: torch.Tensor) -> torch.Tensor:
        return self(ts[-1], y)


@MODELS.register_module()
class StagewiseIEMLoss(nn.Module):
    """``Σ_k ½‖tᵏ⁺¹ − t̂ᵏ‖² + η·RTV(tᵏ⁺¹)`` (``target='stage'``) or with t̂⁰ for every stage
    (``target='first'``) — a named variant, not the papers' loss (module doc)."""

    def __init__(self, eta: float = 0.01, sigma: float = 3.0, eps: float = 1e-3,
                 target: str = 'stage', loss_weight: float = 1.0) -> None:
        super().__init__()
        if target not in ('stage', 'first'):
            raise ValueError(f"StagewiseIEMLoss target must be 'stage' or 'first', "
                             f'got {target!r}')
        self.eta, self.sigma, self.eps, self.loss_weight = eta, sigma, eps, loss_weight
        self.target = target

    def forward(self, ts: Sequence[torch.Tensor],
                t_hats: Sequence[torch.Tensor]) -> torch.Tensor:
        if len(ts) != len(t_hats):
            raise ValueError(f'StagewiseIEMLoss got {len(ts)} illuminations and '
                             f'{len(t_hats)} warm starts')
        total = ts[0].new_zeros(())
        for t, t_hat in zip(ts, t_hats):
            target = (t_hat if self.target == 'stage' else t_hats[0]).detach()
            total = total + 0.5 * (t - target).pow(2).mean() \
                + self.eta * relative_total_variation(t, self.sigma, self.eps)
        return self.loss_weight * total

    def scene_loss_of_stages(self, ts: Sequence[torch.Tensor], t_hats: Sequence[torch.Tensor],
                   y: torch.Tensor) -> torch.Tensor:
        return self(ts, t_hats)


@MODELS.register_module()
class NRMLoss(nn.Module):
    """``½‖x − uᴷ‖² + η_n·TV(x)``."""

    def __init__(self, eta: float = 0.1, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.eta, self.loss_weight = eta, loss_weight

    def forward(self, x: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
        fidelity = 0.5 * (x - u.detach()).pow(2).mean()
        return self.loss_weight * (fidelity + self.eta * total_variation(x))
