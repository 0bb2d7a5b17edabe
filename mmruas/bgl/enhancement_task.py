"""BGL's enhancement task G (BGL, ACM MM 2023, §3): illumination from three convolutions.

``t = clamp(x + r(x), t_min, 1)`` with ``r`` three 3 x 3 convolutions (ReLU, ReLU,
sigmoid) and the input skip connection ``x + r`` (as the illumination estimator of SCI,
Ma et al. 2022); the enhanced image is ``y = x ⊙ G(x)`` with ``G(x) = t⁻¹`` the inverse
illumination (Retinex ``x = y ⊙ t``, RUAS-TPAMI §3). Since ``t ≥ x``, ``y`` stays in
[0, 1] for x in [0, 1]; the block's unconstrained output is therefore brought to [0, 1]
first by a straight-through clamp (:meth:`EnhancementTask.unit`: clamped values forward,
identity gradient backward), so that a negative block output can neither blow ``y`` up
(``x/t_min``) nor stop the block's gradient. Its self-supervised loss is
:class:`~mmruas.losses.SceneLoss` ``‖t − x‖² + η·RTV(t)``, the RUAS scene loss (eq. 5).
"""
from __future__ import annotations

import torch
from torch import nn

from ..registry import MODELS

__all__ = ['EnhancementTask']


@MODELS.register_module()
class EnhancementTask(nn.Module):
    """Args:
        channels: width of the hidden convolutions.
        t_min: lower clamp of the illumination (keeps ``t⁻¹`` finite).
    """

    def __init__(self, channels: int = 16, t_min: float = 1e-4) -> None:
        super().__init__()
        self.t_min = float(t_min)
        self.convs = nn.Sequential(
            nn.Conv2d(3, channels, 3, padding=1), nn.ReLU(),
            nn.Conv2d(channels, channels, 3, padding=1), nn.ReLU(),
            nn.Conv2d(channels, 3, 3, padding=1), nn.Sigmoid())

    @staticmethod
    def unit(x: torch.Tensor) -> torch.Tensor:
        """``clamp(x, 0, 1)`` forward, identity backward (straight-through)."""
        return x + (x.clamp(0.0, 1.0) - x).detach()

    def illumination(self, x: torch.Tensor) -> torch.Tensor:
        """``t = clamp(x̃ + r(x̃), t_min, 1)`` with ``x̃ = unit(x)`` (3 channels)."""
        x = self.unit(x)
        return (x + self.convs(x)).clamp(self.t_min, 1.0)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(y, t)`` with ``y = x̃ ⊙ t⁻¹``, ``x̃ = unit(x)``."""
        t = self.illumination(x)
        return self.unit(x) / t, t
