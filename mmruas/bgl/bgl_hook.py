"""The outer loop of BGL as a hook (METHOD.md §6), the same kind as the search's.

:class:`BGLHook` is a :class:`~mmruas.search.CooperativeSearchHook` with two phases: the
first ``warmup_iters`` iterations train F∘G jointly (``'warmup'``), every later one is
one outer iteration of the model's solver (``'bilevel'``), which gets an upper-level
batch in ``model.bgl_val_batch``. The upper batches come, as in the search, from
``val_dataloader`` or from the disjoint second half of the training set
(``val_split=True``; indices in ``work_dir/search_split.json``); the stream position is
saved in checkpoints and restored on resume.
"""
from __future__ import annotations

from mmengine.registry import HOOKS

from ..search.cooperative_hook import CooperativeSearchHook

__all__ = ['BGLHook']


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

    def before_train(self, runner) -> None:
        model = self._model(runner)
        if not hasattr(model, 'bgl_groups'):
            raise TypeError('BGLHook needs a BGL model (bgl_groups())')
        self._check_wrapper(runner)     # data parallel: SearchDistributedDataParallel
        self._start_val_stream(runner)  # upper-level batches (resume: the same stream)

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        model = self._model(runner)
        phase = 'warmup' if runner.iter < self.warmup_iters else 'bilevel'
        if phase != self.state['phase']:
            runner.logger.info(f'[bgl] iter {runner.iter}: {phase} phase')
        self.state['phase'] = model.bgl_phase = phase
        model.bgl_val_batch = None
        if phase == 'bilevel':
            model.bgl_val_batch = next(self._val_iter)
            self.state['val_batches'] += 1

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        self.state['phase_iter'] += 1

    def after_train(self, runner) -> None:
        """Nothing to derive (no architecture)."""

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('meta', {}).get('search_state')
        if state is not None and getattr(runner, '_resume', True):
            self.state.update(state)
