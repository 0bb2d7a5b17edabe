"""The SID (See-in-the-Dark, Sony subset) RAW data set (Chen et al., CVPR 2018;
docs/method.md#data-set-layouts).

As distributed: ``Sony/short/*.ARW``, ``Sony/long/*.ARW`` and list files such as
``Sony_train_list.txt`` whose lines read
``./Sony/short/00001_00_0.1s.ARW ./Sony/long/00001_00_10s.ARW ISO200 F8`` (paths relative
to ``data_root``). Every line is one pair; the amplification ratio is the long exposure
over the short one, both read from the file names (``..._<seconds>s.ARW``), capped at
``max_ratio`` (300, as in SID's code). The RAW files are read by the pipeline
(:class:`~mmruas.datasets.transforms.LoadPackedRaw`, :class:`~mmruas.datasets.transforms.
LoadRawGt`), never cached.
"""
from __future__ import annotations

import os.path as osp
import re
from collections.abc import Sequence

from mmengine.dataset import BaseDataset

from mmruas.registry import DATASETS

__all__ = ['SIDDataset', 'exposure_time', 'parse_sid_list']

_EXPOSURE = re.compile(r'_(\d+(?:\.\d+)?)s\.[A-Za-z0-9]+$')


def exposure_time(path: str) -> float:
    """Seconds from a SID file name (``00001_00_0.1s.ARW`` → 0.1)."""
    m = _EXPOSURE.search(osp.basename(path))
    if m is None or float(m.group(1)) <= 0:
        raise ValueError(f'no exposure time "_<seconds>s.<ext>" in the file name: {path}')
    return float(m.group(1))


def parse_sid_list(list_file: str, data_root: str, max_ratio: float = 300.0) -> list[dict]:
    """Data infos of a SID list file: ``img_path``, ``gt_path``, ``ratio``, ``iso``,
    ``f_number`` (the last two as written, or ``None``)."""
    if not osp.isfile(list_file):
        raise FileNotFoundError(f'SID list file not found: {list_file}')
    infos = []
    with open(list_file) as f:
        for n, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) < 2:
                raise ValueError(f'{list_file}:{n}: expected "<short> <long> [ISO] [F]", '
                                 f'got {line.strip()!r}')
            short, long = (osp.normpath(osp.join(data_root, p)) for p in parts[:2])
            try:
                ratio = exposure_time(long) / exposure_time(short)
            except ValueError as exc:
                raise ValueError(f'{list_file}:{n}: {exc}') from None
            infos.append(dict(img_path=short, gt_path=long, ratio=min(ratio, max_ratio),
                              iso=parts[2] if len(parts) > 2 else None,
                              f_number=parts[3] if len(parts) > 3 else None))
    if not infos:
        raise ValueError(f'SID list file has no pairs: {list_file}')
    return infos


@DATASETS.register_module()
class SIDDataset(BaseDataset):
    """Args:
        data_root: the folder holding ``Sony/`` (the list's paths are relative to it).
        ann_file: the list file (relative to ``data_root`` unless absolute), e.g.
            ``'Sony_train_list.txt'``, ``'Sony_val_list.txt'``, ``'Sony_test_list.txt'``.
        pipeline: transforms.
        max_ratio: cap of the amplification ratio.
        check_files: raise at construction when a listed file is missing (one message
            naming the first and the count).
    """

    def __init__(self, data_root: str, ann_file: str = 'Sony_train_list.txt',
                 pipeline: Sequence = (), max_ratio: float = 300.0, check_files: bool = True,
                 **kwargs) -> None:
        if not osp.isdir(str(data_root)):
            raise FileNotFoundError(f'data_root not found: {data_root}')
        self.max_ratio, self.check_files = float(max_ratio), bool(check_files)
        kwargs.setdefault('data_prefix', dict())
        super().__init__(ann_file=ann_file, data_root=str(data_root), pipeline=list(pipeline),
                         **kwargs)

    def load_data_list(self) -> list[dict]:
        infos = parse_sid_list(self.ann_file, self.data_root, self.max_ratio)
        if self.check_files:
            missing = [p for info in infos for p in (info['img_path'], info['gt_path'])
                       if not osp.isfile(p)]
            if missing:
                raise FileNotFoundError(f'{len(missing)} file(s) of {self.ann_file} not found, '
                                        f'e.g. {missing[0]}')
        return infos
