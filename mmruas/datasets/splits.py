"""Random disjoint name lists for the RUAS papers' own splits (docs/method.md#downstream-tasks:
ExDark 5,200 / 1,200, DARK FACE 5,000 / 1,000 images drawn at random)."""
from __future__ import annotations

import os
import os.path as osp
from collections.abc import Sequence

import numpy as np

from ..utils.safe_io import write_text

__all__ = ['write_name_splits']


def write_name_splits(names: Sequence[str], out_files: Sequence[str], sizes: Sequence[int],
                      seed: int, source: str) -> list[list[str]]:
    """Sort ``names``, permute them with ``numpy.random.RandomState(seed)``, cut them into
    ``sizes`` and write each part one name a line to its ``out_files`` entry (usable as
    ``ann_file``); returns the parts. ``source`` (the image folder) names errors."""
    if len(out_files) != len(sizes):
        raise ValueError(f'{len(out_files)} out_files for {len(sizes)} sizes')
    names = sorted(names)
    if sum(sizes) > len(names):
        raise ValueError(f'sizes {list(sizes)} need {sum(sizes)} images, {source} has '
                         f'{len(names)}')
    order = np.random.RandomState(seed).permutation(len(names))
    lists, start = [], 0
    for path, size in zip(out_files, sizes):
        chosen = [names[i] for i in order[start:start + size]]
        start += size
        os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
        write_text(path, ''.join(f'{n}\n' for n in chosen), overwrite=True)   # atomically
        lists.append(chosen)
    return lists
