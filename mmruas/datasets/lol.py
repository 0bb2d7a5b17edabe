"""The LOL low-light data set (Wei et al., 2018)."""
from __future__ import annotations

import os.path as osp
from collections.abc import Sequence

from mmruas.registry import DATASETS

from .folders import IMG_EXTENSIONS, _FolderDataset, pair_images

__all__ = ['LOLDataset']


@DATASETS.register_module()
class LOLDataset(_FolderDataset):
    """LOL pairs ``low/<name>`` with ``high/<name>`` (same file name).

    Two layouts are read:

    - as distributed: ``data_root/our485/{low,high}`` for ``split='train'`` (485 pairs)
      and ``data_root/eval15/{low,high}`` for ``split='test'`` or ``'eval'`` (15 pairs);
    - a flat folder ``data_root/{low,high}`` (e.g. a subset) with ``split=None``; other
      entries of ``data_root`` are ignored.

    Other ``BaseDataset`` arguments (``test_mode``, ``indices``, ...) pass through
    ``kwargs``.

    Args:
        data_root: the LOL root (``split`` given) or the folder holding ``low``/``high``.
        split: ``'train'``, ``'test'``, ``'eval'`` or ``None`` (flat layout).
        pipeline: transforms (configs or callables).
        low_dir: name of the input folder.
        high_dir: name of the ground-truth folder.
        skip_unpaired: warn about and skip inputs without ground truth instead of raising.
    """

    SPLITS = {'train': 'our485', 'test': 'eval15', 'eval': 'eval15'}

    def __init__(self, data_root: str, split: str | None = 'train', pipeline: Sequence = (),
                 low_dir: str = 'low', high_dir: str = 'high', skip_unpaired: bool = False,
                 **kwargs) -> None:
        if split is not None and split not in self.SPLITS:
            raise ValueError(f'LOLDataset split must be one of {sorted(self.SPLITS)} or None, '
                             f'got {split!r}')
        self.split = split
        self.low_dir = low_dir
        self.high_dir = high_dir
        self.skip_unpaired = skip_unpaired
        super().__init__(data_root, pipeline, **kwargs)

    def load_data_list(self) -> list[dict]:
        """Scan and pair ``low`` and ``high`` of the chosen split."""
        root = self.data_root if self.split is None else osp.join(self.data_root,
                                                                  self.SPLITS[self.split])
        return pair_images(osp.join(root, self.low_dir), osp.join(root, self.high_dir),
                           by_stem=False, extensions=IMG_EXTENSIONS,
                           skip_unpaired=self.skip_unpaired)
