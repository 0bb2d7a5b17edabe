"""Turn enhancer outputs into savable images and put images side by side."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

__all__ = ['to_image', 'side_by_side']

_BIT_DEPTHS = {8: (255.0, np.uint8), 16: (65535.0, np.uint16)}


def to_image(x: torch.Tensor | np.ndarray, bit_depth: int = 8) -> np.ndarray:
    """A C×H×W float RGB image -> H×W×C BGR ``uint8`` (8) or ``uint16`` (16) array.

    Values are clipped to [0, 1], scaled by 255 or 65535 and rounded half to even
    (``np.round``), in float32. One-channel images stay one-channel (H×W×1).
    """
    if bit_depth not in _BIT_DEPTHS:
        raise ValueError(f'bit_depth must be 8 or 16, got {bit_depth}')
    scale, dtype = _BIT_DEPTHS[bit_depth]
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().float().numpy()
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 3:
        raise ValueError(f'expected a C x H x W image, got shape {x.shape}')
    img = (np.clip(x, 0, 1) * scale).round().astype(dtype)
    return np.ascontiguousarray(img.transpose(1, 2, 0)[..., ::-1])


def side_by_side(images: Sequence[np.ndarray]) -> np.ndarray:
    """Concatenate H×W×C images of the same height and dtype from left to right."""
    if not images:
        raise ValueError('side_by_side needs at least one image')
    heights = {img.shape[0] for img in images}
    if len(heights) != 1:
        raise ValueError(f'side_by_side needs images of one height, got {sorted(heights)}')
    return np.concatenate(list(images), axis=1)
