"""The search's data: disjoint training and validation halves, and endless batch streams.

Bilevel search needs a lower-level (training) and an upper-level (validation) batch every
iteration, from disjoint data (RUAS-TPAMI §4.2). :func:`split_indices` halves a data set by
a seeded permutation; :func:`subset_loader` rebuilds a dataloader on one half with the
original loader's settings (batch size, sampler type, collate function, workers);
:class:`InfiniteLoader` turns a loader into an endless stream that starts a new sampler
epoch whenever the loader is exhausted (as mmengine's iteration-based loop does).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch.utils.data import DataLoader, Subset

__all__ = ['split_indices', 'subset_loader', 'InfiniteLoader']


def split_indices(n: int, seed: int) -> tuple[list[int], list[int]]:
    """Disjoint halves of ``range(n)`` from a seeded permutation: (train ⌈n/2⌉, val ⌊n/2⌋)."""
    if n < 2:
        raise ValueError(f'a search set needs at least 2 samples to split, got {n}')
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(int(seed))).tolist()
    k = n - n // 2
    return sorted(perm[:k]), sorted(perm[k:])


def subset_loader(loader: DataLoader, indices: Sequence[int], seed: int) -> DataLoader:
    """A dataloader over ``indices`` of ``loader``'s data set with ``loader``'s settings; the
    sampler is a new one of the same type seeded with ``seed`` (a torch shuffle if that
    type takes no such arguments)."""
    subset = Subset(loader.dataset, list(indices))
    shuffle = getattr(loader.sampler, 'shuffle', True)
    try:
        sampler = type(loader.sampler)(subset, shuffle=shuffle, seed=seed)
    except TypeError:
        sampler = None
    return DataLoader(subset, batch_size=loader.batch_size, sampler=sampler,
                      shuffle=sampler is None and shuffle, num_workers=loader.num_workers,
                      collate_fn=loader.collate_fn, worker_init_fn=loader.worker_init_fn,
                      pin_memory=loader.pin_memory, drop_last=loader.drop_last)


class InfiniteLoader:
    """Endless iterator over a dataloader (the sampler's epoch advances at every restart)."""

    def __init__(self, loader: DataLoader) -> None:
        self.loader, self.epoch = loader, 0
        self.iterator = iter(loader)

    def __iter__(self) -> InfiniteLoader:
        return self

    def __next__(self) -> Any:
        try:
            return next(self.iterator)
        except StopIteration:
            self.epoch += 1
            sampler = getattr(self.loader, 'sampler', None)
            if hasattr(sampler, 'set_epoch'):
                sampler.set_epoch(self.epoch)
            self.iterator = iter(self.loader)
            return next(self.iterator)
