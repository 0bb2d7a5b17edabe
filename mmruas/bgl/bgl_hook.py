"""The outer loop of BGL (BGL, ACM MM 2023, Alg. 1) as a hook, the same kind as the search's.

:class:`BGLHook` is a :class:`~mmruas.search.CooperativeSearchHook` with two phases: the
first ``warmup_iters`` iterations train F∘G jointly (``'warmup'``), every later one is
one outer iteration of the model's solver (``'bilevel'``), which gets an upper-level
batch; the hook tells the model both through ``model.set_search_step``
(:class:`~mmruas.search.SearchStepMixin`). The upper batches come, as in the search, from
``val_dataloader`` or from the disjoint second half of the training set
(``val_split=True``; indices in ``work_dir/search_split.json``).

Lower batches: the loop's batch is the iteration's lower batch. A solver that takes
several lower steps on fresh data (:class:`~mmruas.bgl.IBGL` with ``fresh_batches``)
draws the further ones from the ``lower_batches`` the hook hands the model with every
step: the training loop's own batch stream (an iteration-based loop's public
``dataloader_iterator``, on the lower half under ``val_split``): one outer iteration then
consumes k training batches, as k lower training iterations do in the paper. Both stream
positions (upper batches drawn, extra lower batches drawn) are saved in checkpoints and
restored on resume.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mmengine.registry import HOOKS

from ..search.cooperative_hook import CooperativeSearchHook

__all__ = ['BGLHook']


class _CountedStream:
    """``next()`` of ``it``, counted in ``state['lower_batches']``."""

    def __init__(self, it: Iterator, state: dict) -> None:
        self.it, self.state = it, state

    def __iter__(self) -> _CountedStream:
        return self

    def __next__(self) -> Any:
        batch = next(self.it)
        self.state['lower_batches'] += 1
        return batch


@HOOKS.register_module()
class BGLHook(CooperativeSearchHook):
    """Args:
        warmup_iters: leading iterations of joint training.
        val_dataloader: dataloader config of the upper-level data (else ``val_split``).
        val_split: split the training set into disjoint lower/upper halves.
        split_seed: seed of the split (default: the runner's seed).
    """

    def __init__(self, warmup_iters: int = 0, val_dataloader: dict | None = None,
                 val_split: bool = True, split_seed: int | None = None) -> None:
        super().__init__(warmup_iters=warmup_iters, val_dataloader=val_dataloader,
                         val_split=val_split, split_seed=split_seed)
        self.state['lower_batches'] = 0
        self.lower_stream: _CountedStream | None = None

    def before_train(self, runner) -> None:
        model = self.search_model(runner)
        if 'bilevel' not in getattr(model, 'search_phases', ()):
            raise TypeError('BGLHook needs a BGL model (search phases warmup, bilevel)')
        self.check_wrapper(runner)      # data parallel: SearchDistributedDataParallel
        self.restore_state(runner)     # resumed: the saved stream positions
        self.start_val_stream(runner)   # upper-level batches (resume: the same stream)
        self.start_lower_stream(runner)

    def start_lower_stream(self, runner) -> None:
        """``lower_stream``: the loop's batch stream, advanced past the extra lower batches
        already drawn (the loop itself skips one batch per iteration); ``None`` if the
        model's solver draws none."""
        self.lower_stream = None
        if not getattr(self.search_model(runner).solver, 'fresh_batches', False):
            return
        it = getattr(runner.train_loop, 'dataloader_iterator', None)
        if it is None:
            raise TypeError('fresh lower batches come from the training loop\'s batch stream: '
                            'use an IterBasedTrainLoop, or IBGL(fresh_batches=False)')
        for _ in range(self.state['lower_batches']):
            next(it)
        self.lower_stream = _CountedStream(it, self.state)

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        phase = 'warmup' if runner.iter < self.warmup_iters else 'bilevel'
        if phase != self.state['phase']:
            runner.logger.info(f'[bgl] iter {runner.iter}: {phase} phase')
        self.state['phase'] = phase
        val = None
        if phase == 'bilevel':
            val = next(self.val_stream)
            self.state['val_batches'] += 1
        self.search_model(runner).set_search_step(phase, val, lower_batches=self.lower_stream)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        self.state['phase_iter'] += 1

    def after_train(self, runner) -> None:
        """Nothing to derive (no architecture)."""
