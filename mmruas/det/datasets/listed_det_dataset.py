"""What the folder-based detection readers (ExDark, DARK FACE) share: the ``strict``
handling of files without their counterpart, the ``ann_file`` name list and
``filter_cfg`` (docs/method.md#data-set-layouts)."""
from __future__ import annotations

import logging
import os.path as osp
from collections.abc import Callable

from mmdet.datasets import BaseDetDataset
from mmengine.logging import print_log

from ...datasets.folders import image_size
from ...datasets.splits import listed_names

__all__ = ['ListedDetDataset']


class ListedDetDataset(BaseDetDataset):
    """``BaseDetDataset`` with a ``strict`` flag, a name-list reader and ``filter_cfg``."""

    strict: bool

    def _unpaired(self, message: str, missing: list[str]) -> None:
        """Raise (``strict``) or warn about files without their counterpart."""
        if not missing:
            return
        text = f'{message} {missing[0]} ({len(missing)} in total)'
        if self.strict:
            raise FileNotFoundError(text)
        print_log(f'skipped: {text}', logger='current', level=logging.WARNING)

    _image_size = staticmethod(image_size)   # (width, height) from the header

    def _read_ann_file(self, key: Callable[[str], str]) -> list[tuple[str, str]]:
        """``(key(file name), 'ann_file:line')`` for each listed name
        (:func:`~mmruas.datasets.splits.listed_names`: a name listed twice is an error)."""
        return [(k, f'{self.ann_file}:{lineno}') for k, lineno in
                listed_names(self.ann_file, lambda name: key(osp.basename(name)))]

    def filter_data(self) -> list[dict]:
        """Apply ``filter_cfg`` (``filter_empty_gt``: no box that is not ignored;
        ``min_size``) outside test mode."""
        if self.test_mode or not self.filter_cfg:
            return self.data_list
        empty = self.filter_cfg.get('filter_empty_gt', False)
        min_size = self.filter_cfg.get('min_size', 0)
        return [d for d in self.data_list
                if (not empty or any(not i['ignore_flag'] for i in d['instances']))
                and min(d['width'], d['height']) >= min_size]
