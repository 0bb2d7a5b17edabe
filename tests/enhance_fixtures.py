"""Tiny enhancement data sets in their distributed layouts (RUAS-TPAMI Tables II-V):
LOL-v2 Real_captured and MIT-Adobe FiveK with expert C."""
from __future__ import annotations

import os
import os.path as osp

import numpy as np
from PIL import Image

__all__ = ['make_tiny_lolv2', 'make_tiny_mit5k']


def _pair(rng: np.random.Generator, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """A normal-light image and its dark, noisy version (h, w, 3 uint8)."""
    w, h = size
    ramp = np.linspace(60, 220, w)[None, :, None] * np.ones((h, 1, 3))
    normal = np.clip(ramp + rng.integers(-20, 20, (h, w, 3)), 0, 255).astype(np.uint8)
    low = np.clip(normal * 0.15 + rng.normal(0, 2, (h, w, 3)), 0, 255).astype(np.uint8)
    return low, normal


def make_tiny_lolv2(root: str, n_train: int = 4, n_test: int = 2,
                    size: tuple[int, int] = (64, 48)) -> str:
    """``root/{Train,Test}/{Low,Normal}/{low,normal}NNNNN.png`` numbered 1.. across both
    folders as distributed (Train first); ``size`` is (w, h). Returns ``root``."""
    rng = np.random.default_rng(0)
    k = 0
    for folder, n in (('Train', n_train), ('Test', n_test)):
        for sub in ('Low', 'Normal'):
            os.makedirs(osp.join(root, folder, sub), exist_ok=True)
        for _ in range(n):
            k += 1
            low, normal = _pair(rng, size)
            Image.fromarray(low).save(osp.join(root, folder, 'Low', f'low{k:05d}.png'))
            Image.fromarray(normal).save(osp.join(root, folder, 'Normal',
                                                  f'normal{k:05d}.png'))
    return str(root)


def make_tiny_mit5k(root: str, n: int = 6, size: tuple[int, int] = (64, 48),
                    expert_dir: str = 'expertC') -> str:
    """``root/input/aNNNN.jpg`` (JPEG inputs) and ``root/<expert_dir>/aNNNN.png`` (expert C,
    another extension), as FiveK exports are commonly laid out. Returns ``root``."""
    rng = np.random.default_rng(1)
    os.makedirs(osp.join(root, 'input'), exist_ok=True)
    os.makedirs(osp.join(root, expert_dir), exist_ok=True)
    for i in range(1, n + 1):
        low, ref = _pair(rng, size)
        Image.fromarray(low).save(osp.join(root, 'input', f'a{i:04d}.jpg'), quality=95)
        Image.fromarray(ref).save(osp.join(root, expert_dir, f'a{i:04d}.png'))
    return str(root)
