"""Noise estimation module and the per-image noise gate (RUAS-TPAMI §5.1).

Five 3x3 convs (3→32→32→32→32→3, ReLU between) give a noise map θ; the noise level
of each image is ``‖θ‖₁ / (C·H·W)``, and the NRM is applied to an image when its
level is at least ``threshold`` (0.035). The released code takes one decision for the
whole batch, which is only right for batch size 1; here every image decides alone,
so a batch gives the same results as its images one by one.
"""
from __future__ import annotations

import torch
from torch import nn

from ..registry import MODELS

__all__ = ['NoiseEstimator']


@MODELS.register_module()
class NoiseEstimator(nn.Module):
    def __init__(self, in_channels: int = 3, width: int = 32, num_layers: int = 5,
                 threshold: float = 0.035) -> None:
        super().__init__()
        if num_layers < 2:
            raise ValueError(f'NoiseEstimator needs num_layers >= 2, got {num_layers}')
        chans = [in_channels] + [width] * (num_layers - 1) + [in_channels]
        layers: list[nn.Module] = []
        for i in range(num_layers):
            layers.append(nn.Conv2d(chans[i], chans[i + 1], 3, padding=1))
            if i < num_layers - 1:
                layers.append(nn.ReLU(inplace=True))
        self.layers = nn.Sequential(*layers)
        self.threshold = threshold

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The noise map θ (B×C×H×W)."""
        return self.layers(x)

    @staticmethod
    def level(theta: torch.Tensor) -> torch.Tensor:
        """Per-image noise level ``‖θ‖₁ / (C·H·W)`` (shape B)."""
        return theta.abs().flatten(1).mean(1)

    def gate(self, level: torch.Tensor) -> torch.Tensor:
        """Boolean per image: apply the NRM (stays on device, no host sync)."""
        return level >= self.threshold
