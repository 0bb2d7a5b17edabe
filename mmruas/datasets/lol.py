"""The LOL low-light data sets: LOL (Wei et al., 2018) and LOL-v2 Real_captured
(Yang et al., 2021), the 789-pair set RUAS-TPAMI §6.1 splits 689 / 100."""
from __future__ import annotations

import os.path as osp
import re
from collections.abc import Sequence

from mmruas.registry import DATASETS

from .folders import IMG_EXTENSIONS, _FolderDataset, pair_images
from .splits import select_listed

__all__ = ['LOLDataset', 'LOLv2Dataset', 'lol_pair_key']


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


def lol_pair_key(name: str) -> str:
    """The pairing key of a LOL-v2 file: the number in its stem without leading zeros
    (``low00001.png`` and ``normal00001.png`` -> ``'1'``); a stem without digits is its
    own key (identical names pair)."""
    stem = osp.splitext(osp.basename(name))[0]
    digits = re.findall(r'\d+', stem)
    return str(int(digits[-1])) if digits else stem


@DATASETS.register_module()
class LOLv2Dataset(_FolderDataset):
    """LOL-v2 Real_captured as distributed (Yang et al., TIP 2021)::

        data_root/Train/Low/low00001.png     data_root/Train/Normal/normal00001.png
        data_root/Test/Low/low00690.png      data_root/Test/Normal/normal00690.png

    689 training and 100 test pairs (789 in all: RUAS-TPAMI §6.1's LOL). A low image pairs
    with the normal-light image of the same number (:func:`lol_pair_key`; identical names
    pair too); an input without one raises naming it (``skip_unpaired``: warn and skip).

    Which pairs: ``split='train'`` / ``'test'`` (the official split, default), or ``ann_file``
    (with ``split=None``): a list of low-image paths relative to ``data_root``, one a line
    (e.g. ``Train/Low/low00001.png``), drawn from both folders, as written by
    ``tools/dataset_converters/make_split.py lolv2``. ``split=None`` without ``ann_file``:
    all 789 pairs.

    Args:
        data_root: the ``Real_captured`` folder.
        split: ``'train'``, ``'test'`` or ``None``.
        ann_file: a name list (see above); only with ``split=None``.
        pipeline: transforms (configs or callables).
        low_dir, normal_dir: the names of the input and ground-truth folders.
        skip_unpaired: warn about and skip inputs without ground truth instead of raising.
    """

    SPLITS = {'train': 'Train', 'test': 'Test'}

    def __init__(self, data_root: str, split: str | None = 'train', ann_file: str = '',
                 pipeline: Sequence = (), low_dir: str = 'Low', normal_dir: str = 'Normal',
                 skip_unpaired: bool = False, **kwargs) -> None:
        if split is not None and split not in self.SPLITS:
            raise ValueError(f'LOLv2Dataset split must be one of {sorted(self.SPLITS)} or '
                             f'None, got {split!r}')
        if split is not None and ann_file:
            raise ValueError('LOLv2Dataset takes split or ann_file, not both (set split=None '
                             'with an ann_file)')
        self.split, self.low_dir, self.normal_dir = split, low_dir, normal_dir
        self.skip_unpaired = skip_unpaired
        super().__init__(data_root, pipeline, ann_file=ann_file, **kwargs)

    def scan(self, folder: str) -> list[dict]:
        """The pairs of ``data_root/<folder>`` with ``name``: the low path relative to the
        root (``Train/Low/low00001.png``)."""
        infos = pair_images(osp.join(self.data_root, folder, self.low_dir),
                            osp.join(self.data_root, folder, self.normal_dir),
                            extensions=IMG_EXTENSIONS, skip_unpaired=self.skip_unpaired,
                            key_fn=lol_pair_key)
        for info in infos:
            info['name'] = osp.relpath(info['img_path'], self.data_root).replace(osp.sep, '/')
        return infos

    def load_data_list(self) -> list[dict]:
        """The official split's pairs, or all pairs (selected by ``ann_file`` if given)."""
        if self.split is not None:
            return self.scan(self.SPLITS[self.split])
        infos = [info for folder in self.SPLITS.values() for info in self.scan(folder)]
        return select_listed(infos, self.ann_file, 'name') if self.ann_file else infos
