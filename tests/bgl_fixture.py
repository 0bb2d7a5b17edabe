"""A tiny trained-block stand-in for the BGL transfer configs (shared by their tests)."""
from __future__ import annotations

from pathlib import Path

import torch

from mmruas.bgl import GenerativeBlock


def use_tiny_block(model: dict, path: Path) -> GenerativeBlock:
    """Save a ``GenerativeBlock(base_channels=4)`` as a BGL checkpoint (``generator.*`` keys)
    at ``path`` and point ``model``'s data preprocessor at it; returns the block."""
    block = GenerativeBlock(base_channels=4)
    torch.save({'state_dict': {f'generator.{k}': v for k, v in block.state_dict().items()}},
               path)
    model.data_preprocessor.update(scene=dict(type='GenerativeBlock', base_channels=4),
                                   scene_checkpoint=str(path))
    return block
