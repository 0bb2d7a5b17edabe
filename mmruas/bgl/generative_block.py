"""BGL's generative block F: a U-Net from packed RAW to full-resolution RGB (BGL §3).

``x = F(z; ω)``: ``z`` is the packed Bayer observation (N x 4 x H/2 x W/2: R, Gr, Gb, B,
black level subtracted, normalised to the white level, multiplied by the exposure ratio),
``x`` the N x 3 x H x W RGB image. Four scales with skip connections (two 3 x 3 conv +
LeakyReLU per scale, max-pooling down, transposed convolutions up, concatenated skips),
then a 1 x 1 convolution to 12 channels and a pixel shuffle to full resolution, as in the
SID U-Net (Chen et al. 2018), which has five scales. Inputs of any size are padded
(replicate) to a multiple of 2³ and the output is cropped back.

``in_channels`` tells :class:`~mmruas.models.scene_preprocessor.SceneDataPreprocessorMixin`
that the block consumes packed RAW (no RGB/BGR reordering of its input).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..registry import MODELS

__all__ = ['GenerativeBlock']


def _double_conv(c_in: int, c_out: int, slope: float) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1), nn.LeakyReLU(slope),
                         nn.Conv2d(c_out, c_out, 3, padding=1), nn.LeakyReLU(slope))


@MODELS.register_module()
class GenerativeBlock(nn.Module):
    """Args:
        in_channels: channels of the packed RAW (4 for a Bayer sensor).
        out_channels: channels of the output image (3).
        base_channels: channels of the finest scale (doubled at every coarser one).
        num_scales: resolution levels of the U-Net (4 in BGL).
        negative_slope: of the LeakyReLU (0.2 as in the SID U-Net).
    """

    def __init__(self, in_channels: int = 4, out_channels: int = 3, base_channels: int = 32,
                 num_scales: int = 4, negative_slope: float = 0.2) -> None:
        super().__init__()
        if num_scales < 2:
            raise ValueError(f'num_scales must be >= 2, got {num_scales}')
        self.in_channels, self.out_channels, self.num_scales = (in_channels, out_channels,
                                                                num_scales)
        widths = [base_channels * 2 ** s for s in range(num_scales)]
        self.down = nn.ModuleList()
        c = in_channels
        for w in widths:
            self.down.append(_double_conv(c, w, negative_slope))
            c = w
        self.up = nn.ModuleList()
        self.merge = nn.ModuleList()
        for w in reversed(widths[:-1]):
            self.up.append(nn.ConvTranspose2d(c, w, 2, stride=2))
            self.merge.append(_double_conv(2 * w, w, negative_slope))
            c = w
        self.head = nn.Conv2d(c, out_channels * 4, 1)
        self.shuffle = nn.PixelShuffle(2)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """N x in_channels x h x w → N x out_channels x 2h x 2w."""
        if z.dim() != 4 or z.shape[1] != self.in_channels:
            raise ValueError(f'GenerativeBlock expects N x {self.in_channels} x h x w packed '
                             f'RAW, got shape {tuple(z.shape)}')
        h, w = z.shape[-2:]
        m = 2 ** (self.num_scales - 1)
        ph, pw = (-h) % m, (-w) % m
        x = F.pad(z, (0, pw, 0, ph), mode='replicate') if ph or pw else z
        skips = []
        for i, block in enumerate(self.down):
            if i:
                x = F.max_pool2d(x, 2)
            x = block(x)
            skips.append(x)
        for up, merge, skip in zip(self.up, self.merge, reversed(skips[:-1])):
            x = merge(torch.cat([up(x), skip], dim=1))
        out = self.shuffle(self.head(x))
        return out[..., :2 * h, :2 * w]
