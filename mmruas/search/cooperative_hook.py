"""The outer loop of cooperative search (RUAS-TPAMI §4.2, Alg. 1) as a hook.

The hook decides the phase of every iteration and tells the model through its one public
entry, ``model.set_search_step(phase, val_batch, beta=..., order=...)``
(:class:`~mmruas.search.SearchStepMixin`); the model's ``train_step`` does the phase's α
and ω steps (:class:`~mmruas.search.CooperativeSearchMixin`: the enhancer, the detection
and segmentation search models).

Strategies (RUAS-TPAMI §4.2, Table 4):

* ``'cooperative'`` (Alg. 1): the scene phase (α_s on Ls_val + β·Lt_val, ω_s on Ls_tr)
  and the task phase (α_t on Lt_val, ω_t on Lt_tr) alternate, in one of two schedules:

  - ``phase_iters=(a, b)`` (default): ``a`` scene iterations, then ``b`` task iterations,
    repeated; with ``alpha_tol`` a phase also ends early after an iteration in which its α
    moved by less than ``alpha_tol`` (max |Δα|);
  - ``cadence=dict(scene=m, task=n)``: every iteration ``i`` (counted after the warm-up)
    with ``i % m == 0`` takes a scene step (α_s then ω_s), and every one with
    ``i % n == 0`` a task step (α_t then ω_t), after the scene step of the same iteration
    and on the same batches. ``dict(scene=1, task=10)`` is the RUAS-CVPR authors' search
    (an IEM α and weight step every iteration, an NRM α and weight step every 10th:
    iterations 0, 10, 20, …). One of the two must be 1.
* ``'independent'``: the scene search alone to completion, then the task search on the
  finished scene ("when searching the TM, the searching procedure of the SM has ended"):
  ``scene_iters`` iterations (default: half of the post-warm-up iterations) of phase
  ``'scene_alone'`` (α_s on Ls_val only, no task term; ω_s on Ls_tr; the task is not
  evaluated), then at the switch the scene is discretised to its derived genotype (the
  arg-max op of every edge) and frozen
  (:meth:`~mmruas.search.CooperativeSearchMixin.end_scene_search`), and the rest are task
  iterations (α_t, ω_t) on its output.
* ``'global'``: every iteration one ``'joint'`` step of all α and all ω on ``Ls + Lt``.

The first ``warmup_iters`` iterations only train ω (phase ``'warmup'``).

Data: training and validation are disjoint halves of the search set. With
``val_dataloader`` (a dataloader config) the hook builds that loader
(``runner.build_dataloader``) as the validation half and the training loader is used as it
is. Otherwise (``val_split=True``) the training data set is split into two halves by a
permutation seeded with ``split_seed`` (default: the runner's seed)
(:mod:`mmruas.search.data`): the training loop's ``dataloader`` (and an iteration-based
loop's ``dataloader_iterator``, both public attributes of mmengine's loops) is replaced by
a loader on the first half, and the hook's own validation loader reads the second; the
indices go to ``work_dir/search_split.json``. The hook draws validation batches from its
own endless stream over its loader.

Outputs in ``work_dir``, written on every phase switch and after training:
``genotypes.json`` (``{module name: ops}`` of every searchable unit),
``retrain_config.py`` (inherits ``retrain_base``, which need not exist yet, and sets
``model = <the search model's genotype_cfg()>``; a relative ``retrain_base`` is looked up
from the working directory, then from the directory of the run's config file; no
``retrain_base``: no retrain config) and ``alpha_history.json`` (α of every
searchable unit per switch). The search model maps its genotypes to config keys
(:meth:`~mmruas.search.CooperativeSearchMixin.genotype_cfg`, each searchable module
declaring its own keys, :mod:`mmruas.search_space.export`): the enhancer sets
``model.scene.iem.genotype`` and ``model.scene.nrm.genotype``, the detection search model
the scene genotypes in ``model.data_preprocessor.scene`` and the neck and head genotypes.
A RUAS config has one genotype for all IEM cells and one for all NRM cells; the search
models tie α within IEM and within NRM by default, so every cell's genotype is the same.
If the cells were searched untied, the genotype written is the per-edge majority over the
cells (ties: the earliest cell), with a warning.

The phase state (phase, the steps of the iteration, counters, consumed validation batches,
whether the independent strategy has ended the scene search) is saved in
``checkpoint['meta']['search_state']`` and restored when the run resumes from that
checkpoint (``runner.iter`` is the checkpoint's iteration; not for ``load_from``), an ended
scene search being ended again from the restored α (discretised and frozen).
"""
from __future__ import annotations

import json
import os
import os.path as osp

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS
from torch import nn
from torch.utils.data import DataLoader

from ..search_space.export import alpha_history_entry, write_retrain_config
from ..search_space.genotype import derive_genotypes, save_genotypes
from ..search_space.mixed_op import alpha_entropy
from ..utils.safe_io import write_json
from .data import InfiniteLoader, split_indices, subset_loader
from .distributed import SearchDistributedDataParallel, max_rank_deviation

__all__ = ['CooperativeSearchHook']

STRATEGIES = ('cooperative', 'independent', 'global')


def _write_json(path: str, data: object) -> None:
    write_json(path, data, overwrite=True)    # temp name, fsync, rename: never half-written


@HOOKS.register_module()
class CooperativeSearchHook(Hook):
    """Args:
        strategy: 'cooperative', 'independent' or 'global'.
        phase_iters: (scene iterations, task iterations) per cooperative round.
        cadence: ``dict(scene=m, task=n)``: the cooperative schedule by iteration cadence
            instead of ``phase_iters`` (module doc); ``None``: ``phase_iters``.
        scene_iters: 'independent': iterations of the scene search (after the warm-up);
            ``None``: half of the post-warm-up iterations.
        alpha_tol: end a phase early when its α moved less than this in an iteration
            (``phase_iters`` schedule only).
        beta: β of the scene phase (given to the model with every step).
        order: 1 or 2, hypergradient order (given to the model with every step).
        warmup_iters: leading iterations that only train ω.
        val_dataloader: dataloader config of the validation half (else ``val_split``).
        val_split: split the training set into disjoint halves (see module doc).
        split_seed: seed of the split (default: the runner's seed).
        retrain_base: config the written ``retrain_config.py`` inherits from (module doc);
            ``None``: no retrain config.
    """

    priority = 'NORMAL'

    def __init__(self, strategy: str = 'cooperative', phase_iters=(1, 1),
                 cadence: dict | None = None, scene_iters: int | None = None,
                 alpha_tol: float | None = None, beta: float = 1.0, order: int = 2,
                 warmup_iters: int = 0, val_dataloader: dict | None = None,
                 val_split: bool = True, split_seed: int | None = None,
                 retrain_base: str | None = None) -> None:
        if strategy not in STRATEGIES:
            raise ValueError(f'strategy must be one of {STRATEGIES}, got {strategy!r}')
        if order not in (1, 2):
            raise ValueError(f'order must be 1 or 2, got {order}')
        phase_iters = tuple(int(i) for i in phase_iters)
        if len(phase_iters) != 2 or min(phase_iters) < 1:
            raise ValueError(f'phase_iters must be two positive counts, got {phase_iters}')
        if val_dataloader is None and not val_split:
            raise ValueError('give val_dataloader or set val_split=True')
        if cadence is not None:
            cadence = {k: int(v) for k, v in dict(cadence).items()}
            if strategy != 'cooperative':
                raise ValueError(f'cadence is a cooperative schedule, got strategy={strategy!r}')
            if set(cadence) != {'scene', 'task'} or min(cadence.values()) != 1:
                raise ValueError('cadence must be dict(scene=m, task=n) with positive counts, '
                                 f'one of them 1, got {cadence}')
            if alpha_tol is not None:
                raise ValueError('alpha_tol ends phases of the phase_iters schedule; it has no '
                                 'meaning with cadence')
        if scene_iters is not None:
            if strategy != 'independent':
                raise ValueError(f'scene_iters is for strategy="independent", got {strategy!r}')
            if int(scene_iters) < 0:
                raise ValueError(f'scene_iters must be >= 0, got {scene_iters}')
            scene_iters = int(scene_iters)
        self.cadence, self.scene_iters = cadence, scene_iters
        self.strategy, self.phase_iters, self.alpha_tol = strategy, phase_iters, alpha_tol
        self.beta, self.order, self.warmup_iters = beta, order, int(warmup_iters)
        self.val_dataloader_cfg, self.val_split, self.split_seed = (val_dataloader, val_split,
                                                                    split_seed)
        self.retrain_base = retrain_base
        self.state = dict(phase=None, steps=None, phase_iter=0, switch=False, val_batches=0,
                          switches=0, scene_ended=False)
        self.val_stream: InfiniteLoader | None = None
        self.loaded_state: tuple[int, dict] | None = None
        self._alpha_before: list[torch.Tensor] | None = None

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def search_model(runner) -> nn.Module:
        """The runner's model without its data-parallel wrapper."""
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    @staticmethod
    def check_wrapper(runner) -> None:
        """mmengine's DDP wrappers replace the model's search step by a plain one."""
        model = runner.model
        if is_model_wrapper(model) and not isinstance(model, SearchDistributedDataParallel):
            raise TypeError(f'{type(model).__name__} replaces the search step by a plain one; '
                            "set model_wrapper_cfg=dict(type='SearchDistributedDataParallel') "
                            'in the config')

    @staticmethod
    def _phase_alphas(model, phase: str) -> list[torch.Tensor]:
        groups = model.search_groups()
        if phase in ('scene', 'scene_alone'):
            return groups['scene_alpha']
        if phase == 'task':
            return groups['task_alpha']
        if phase == 'joint':
            return groups['scene_alpha'] + groups['task_alpha']
        return []

    # ------------------------------------------------------------------ data
    def start_val_stream(self, runner) -> None:
        """The endless validation (upper-level) batch stream: ``val_dataloader`` or the
        second half of the split training set, advanced past the batches already used
        (resume: the same stream)."""
        if self.val_dataloader_cfg is not None:
            seed = runner.seed if self.split_seed is None else self.split_seed
            loader = runner.build_dataloader(self.val_dataloader_cfg, seed=seed)
        else:
            loader = self._split_train_set(runner)
        self.val_stream = InfiniteLoader(loader)
        for _ in range(self.state['val_batches']):
            next(self.val_stream)

    def _split_train_set(self, runner) -> DataLoader:
        """Point the training loop at the first half of its data set; the loader of the
        second half (module doc)."""
        loop = runner.train_loop
        full: DataLoader = loop.dataloader
        seed = self.split_seed if self.split_seed is not None else runner.seed
        seed = 0 if seed is None else seed
        train_idx, val_idx = split_indices(len(full.dataset), seed)
        if runner.rank == 0:
            os.makedirs(runner.work_dir, exist_ok=True)
            _write_json(osp.join(runner.work_dir, 'search_split.json'),
                        dict(seed=seed, train=train_idx, val=val_idx))
        loop.dataloader = subset_loader(full, train_idx, seed)
        if hasattr(loop, 'dataloader_iterator'):    # IterBasedTrainLoop's batch stream
            loop.dataloader_iterator = InfiniteLoader(loop.dataloader)
        return subset_loader(full, val_idx, seed + 1)

    def _next_phase(self, runner) -> tuple[str, tuple[str, ...]]:
        """``(phase, steps)``: the phase of this iteration (what switches and reports are
        about) and the model phases it runs, in order."""
        it = runner.iter
        if it < self.warmup_iters:
            return 'warmup', ('warmup',)
        if self.strategy == 'global':
            return 'joint', ('joint',)
        if self.strategy == 'independent':
            n = self.scene_iters
            if n is None:
                n = (runner.max_iters - self.warmup_iters) // 2
            phase = 'scene_alone' if it < self.warmup_iters + n else 'task'
            return phase, (phase,)
        if self.cadence is not None:
            i = it - self.warmup_iters
            return 'cooperative', tuple(p for p in ('scene', 'task')
                                        if i % self.cadence[p] == 0)
        phase = self.state['phase']
        if phase in (None, 'warmup'):
            phase = 'scene'
        elif self.state['switch']:
            phase = 'task' if phase == 'scene' else 'scene'
        return phase, (phase,)

    # ------------------------------------------------------------------ outputs
    def _report(self, runner, ended: str | None) -> None:
        """Log genotypes and α entropies; write genotypes.json, retrain config, α history."""
        model = self.search_model(runner)
        genos = derive_genotypes(model)
        lines = []
        for name, module in model.named_modules():
            if name in genos:
                ent = alpha_entropy(module.arch_alphas().detach()).mean().item()
                lines.append(f'  {name}: {genos[name].to_list()} (mean α entropy {ent:.4f})')
        groups = model.search_groups()
        dev = max_rank_deviation(groups['scene_alpha'] + groups['task_alpha'])
        if dev != 0.0:
            raise RuntimeError(f'[search] α differs between ranks by {dev:.3e} at iteration '
                               f'{runner.iter}: the data-parallel replicas diverged')
        runner.logger.info(f'[search] iter {runner.iter}: end of {ended} phase; α identical on '
                           f'{runner.world_size} rank(s); genotypes:\n' + '\n'.join(lines))
        if runner.rank != 0:
            return
        os.makedirs(runner.work_dir, exist_ok=True)
        save_genotypes(genos, osp.join(runner.work_dir, 'genotypes.json'))
        self._write_retrain_config(runner)
        path = osp.join(runner.work_dir, 'alpha_history.json')
        history = []
        if osp.isfile(path):
            with open(path) as f:
                history = json.load(f)
        history.append(dict(iter=runner.iter, ended=ended, **alpha_history_entry(model)))
        _write_json(path, history)

    def resolve_retrain_base(self, runner) -> str | None:
        """``retrain_base`` as an absolute path: as given if absolute, else the first that
        exists of (working directory, directory of the run's config file) / ``retrain_base``;
        none existing (it need not exist yet): the working directory's, with a warning."""
        base = self.retrain_base
        if base is None or osp.isabs(base):
            return base
        found = [osp.abspath(base)]
        cfg_file = getattr(runner.cfg, 'filename', None)
        if cfg_file:
            found.append(osp.join(osp.dirname(osp.abspath(cfg_file)), base))
        for path in found:
            if osp.isfile(path):
                return path
        runner.logger.warning(f'[search] retrain_base {base!r} does not exist (yet) in '
                              f'{" or ".join(osp.dirname(p) for p in found)}; the retrain '
                              f'config inherits {found[0]}')
        return found[0]

    def _write_retrain_config(self, runner) -> None:
        """``retrain_config.py``: ``retrain_base`` with the model's ``genotype_cfg()``."""
        model = self.search_model(runner)
        base = self.resolve_retrain_base(runner)
        if base is None or not hasattr(model, 'genotype_cfg'):
            return
        write_retrain_config(
            osp.join(runner.work_dir, 'retrain_config.py'), base, model.genotype_cfg(),
            f'Written by CooperativeSearchHook ({self.strategy}) at iteration {runner.iter}; '
            'genotypes from genotypes.json.')

    # ------------------------------------------------------------------ hook points
    def before_train(self, runner) -> None:
        model = self.search_model(runner)
        if not (hasattr(model, 'set_search_step') and hasattr(model, 'search_groups')):
            raise TypeError('CooperativeSearchHook needs a search model (set_search_step(), '
                            'search_groups())')
        self.check_wrapper(runner)
        self.restore_state(runner)
        if self.state['scene_ended']:   # resumed after the independent strategy's switch
            model.end_scene_search()
        self.start_val_stream(runner)

    def restore_state(self, runner) -> None:
        """Take the search state of a checkpoint this run resumes from (module doc)."""
        if self.loaded_state is not None:
            ckpt_iter, state = self.loaded_state
            if runner.iter > 0 and runner.iter == ckpt_iter:
                state = dict(state)
                if 'scene_fixed' in state:  # a 0.1 checkpoint's name of the flag
                    state['scene_ended'] = state.pop('scene_fixed')
                self.state.update(state)
            self.loaded_state = None

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        model = self.search_model(runner)
        old = self.state['phase']
        phase, steps = self._next_phase(runner)
        if old is not None and phase != old:
            self.state['switches'] += 1
            self._report(runner, old)
        if phase != old:
            self.state['phase_iter'] = 0
        if self.strategy == 'independent' and phase == 'task' and not self.state['scene_ended']:
            model.end_scene_search()
            self.state['scene_ended'] = True
            runner.logger.info(f'[search] iter {runner.iter}: scene search ended; the scene is '
                               'discretised to its derived genotype and frozen for the task search')
        self.state.update(phase=phase, steps=steps, switch=False)
        val = None
        if steps != ('warmup',):
            val = next(self.val_stream)
            self.state['val_batches'] += 1
        model.set_search_step(steps, val, beta=self.beta, order=self.order)
        self._alpha_before = [a.detach().clone() for a in self._phase_alphas(model, phase)]

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        model = self.search_model(runner)
        phase = self.state['phase']
        self.state['phase_iter'] += 1
        if (self.strategy != 'cooperative' or self.cadence is not None
                or phase not in ('scene', 'task')):
            return
        limit = self.phase_iters[0 if phase == 'scene' else 1]
        switch = self.state['phase_iter'] >= limit
        if not switch and self.alpha_tol is not None and self._alpha_before:
            after = self._phase_alphas(model, phase)
            delta = max(float((a.detach() - b).abs().max())
                        for a, b in zip(after, self._alpha_before))
            switch = delta < self.alpha_tol
        self.state['switch'] = switch

    def after_train(self, runner) -> None:
        self._report(runner, self.state['phase'])

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint.setdefault('meta', {})['search_state'] = dict(self.state)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        meta = checkpoint.get('meta', {})
        if meta.get('search_state') is not None:     # applied in before_train if resumed
            self.loaded_state = (meta.get('iter', -1), dict(meta['search_state']))
