"""A tiny ACDC-format tree (docs/method.md#data-set-layouts) written by the tests: dark photographs
and train-id label PNGs, nothing downloaded."""
from __future__ import annotations

import os
import os.path as osp

import numpy as np
from PIL import Image

SEQ = 'GOPR0001'


def label_map(h: int, w: int, seed: int) -> np.ndarray:
    """Blocks of a few train ids (road 0, building 2, sky 10, car 13) and an ignored 255 strip."""
    rng = np.random.default_rng(seed)
    lab = np.zeros((h, w), np.uint8)
    lab[: h // 3] = 10
    lab[h // 3: 2 * h // 3, : w // 2] = 2
    lab[h // 3: 2 * h // 3, w // 2:] = 13
    lab[-2:] = 255
    lab[rng.integers(0, h, 3), rng.integers(0, w, 3)] = 0
    return lab


def make_tiny_acdc(root: str, conditions=('night',), splits=(('train', 2), ('val', 2)),
                   size: tuple[int, int] = (64, 48), sequences=(SEQ,)) -> dict[str, list[str]]:
    """Write ``rgb_anon/<c>/<split>/<seq>/*_rgb_anon.png`` and ``gt/.../*_gt_labelTrainIds.png``
    (``test``: images only). Returns ``{'<c>/<split>': [image paths]}``; sizes are (w, h)."""
    w, h = size
    out: dict[str, list[str]] = {}
    k = 0
    for cond in conditions:
        for split, n in splits:
            for seq in sequences:
                img_dir = osp.join(root, 'rgb_anon', cond, split, seq)
                os.makedirs(img_dir, exist_ok=True)
                for i in range(n):
                    k += 1
                    name = f'{seq}_frame_{i:06d}'
                    lab = label_map(h, w, k)
                    rng = np.random.default_rng(100 + k)
                    img = (rng.integers(0, 20, (h, w, 3)) + lab[..., None] % 7 * 6).astype(np.uint8)
                    path = osp.join(img_dir, f'{name}_rgb_anon.png')
                    Image.fromarray(img).save(path)
                    out.setdefault(f'{cond}/{split}', []).append(path)
                    if split != 'test':
                        gt_dir = osp.join(root, 'gt', cond, split, seq)
                        os.makedirs(gt_dir, exist_ok=True)
                        Image.fromarray(lab, mode='L').save(
                            osp.join(gt_dir, f'{name}_gt_labelTrainIds.png'))
    return out


def label_path(img_path: str) -> str:
    """The ground-truth path of an image written by :func:`make_tiny_acdc`."""
    return img_path.replace('rgb_anon', 'gt', 1).replace('_rgb_anon.png',
                                                         '_gt_labelTrainIds.png')
