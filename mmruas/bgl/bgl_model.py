"""The BGL model: generative block F, then a task G (BGL, ACM MM 2023, §3 and Alg. 1).

``x = F(z; ω)`` maps packed RAW ``z`` to RGB; the task G(·; θ) consumes ``x``. Bilevel:
``min_ω L_F(ω, θ*(ω))`` s.t. ``θ*(ω) = argmin_θ L_G(ω, θ)`` with L_G on the lower
(training) batches and L_F on the upper ones. G is either

* :class:`~mmruas.bgl.EnhancementTask` (``y = x ⊙ t⁻¹``): L_G ``= ‖t − x‖² + η·RTV(t)``
  (self-supervised, no ground truth), L_F ``= w·‖y − y_gt‖₁`` (e.g. SID's long exposure);
  the model's preprocessor is :class:`~mmruas.bgl.RawDataPreprocessor`; or
* any mmdet detector or mmseg segmentor (BGL Table 3: DSFD on DARK FACE): F becomes the
  scene module of the task's data preprocessor (its ``DetDataPreprocessor`` /
  ``SegDataPreProcessor`` turned into ``RUASDetDataPreprocessor`` /
  ``RUASSegDataPreprocessor``: RAW / white level → F → × white level → the task's own
  normalisation and padding, the data path of the frozen-block transfer configs), and
  L_G = the task's loss on the lower batch, L_F ``= w·`` the same task loss on the
  held-out upper batch: for a high-level task the paper's upper objective is the task
  loss of the composition on held-out data (the detector has no other ground truth).
  The model's preprocessor is then the task's (``predict`` gives detections/masks).

:meth:`train_step` runs the phase :class:`~mmruas.bgl.BGLHook` sets through
:meth:`~mmruas.search.SearchStepMixin.set_search_step` (with the upper batch as its
``val_batch`` and the stream of extra lower batches as its ``lower_batches``), the same
interface as the architecture search's models:

* ``'warmup'``: F∘G trained jointly on ``warmup_loss`` (``'lower'``: L_G; enhancement
  only: ``'upper'``: L_F, ``'both'``: L_F + L_G), one step of both optimisers;
* ``'bilevel'``: one outer iteration of the configured solver (:class:`~mmruas.bgl.TBGL`
  or :class:`~mmruas.bgl.IBGL`).

Optimisers: ``optim_wrapper['upper']`` (ω) and ``optim_wrapper['lower']`` (θ), built by
:class:`~mmruas.bgl.BGLOptimWrapperConstructor` from the cached groups of
:meth:`~mmruas.search.SearchStepMixin.search_groups`.
"""
from __future__ import annotations

import copy
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from mmengine.registry import MODELS as ROOT_MODELS
from mmengine.registry import DefaultScope
from mmengine.structures import BaseDataElement
from torch import Tensor, nn

from ..models.scene_preprocessor import build_mmruas_module
from ..registry import MODELS
from ..search.distributed import all_reduce_mean
from ..search.hypergradient import BilevelProblem, optimizer_step, rank_mean_grads
from ..search.search_step import SearchStepMixin
from .solver import BGL_SOLVERS, Closure

__all__ = ['BGLModel', 'BGL_PHASES', 'SCENE_PREPROCESSORS']

BGL_PHASES = ('warmup', 'bilevel')
WARMUP_LOSSES = ('lower', 'upper', 'both')
#: a task's data preprocessor type → its version that runs F first
SCENE_PREPROCESSORS = {'DetDataPreprocessor': 'RUASDetDataPreprocessor',
                       'SegDataPreProcessor': 'RUASSegDataPreprocessor'}


def _replayed(fn: Closure) -> Closure:
    """``fn`` made one deterministic function: every call replays the same random stream
    (dropout masks, a detector's random samplers), drawn once from the global generator,
    so that the solvers' repeated passes (virtual step, θ±, G_F) differentiate one L."""
    seed = int(torch.randint(0, 2 ** 62, ()))

    def closure() -> Tensor:
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            return fn()
    return closure


def _build_task(task: dict | nn.Module, generator: nn.Module,
                task_scope: str | None) -> nn.Module:
    """The task G: an mmruas module (EnhancementTask) or an mmdet/mmseg model whose data
    preprocessor gets ``generator`` as its (trainable) scene module."""
    if isinstance(task, nn.Module):
        return task
    cfg = copy.deepcopy(dict(task))
    kind = cfg.get('type')
    if cfg.get('_scope_') is None and isinstance(kind, str) and kind in MODELS.module_dict:
        return build_mmruas_module(cfg)
    scope = cfg.pop('_scope_', None) or task_scope
    if scope is None:
        current = DefaultScope.get_current_instance()
        scope = current.scope_name if current is not None else 'mmdet'
        scope = 'mmdet' if scope == 'mmruas' else scope
    pp = dict(cfg.get('data_preprocessor') or dict(type='DetDataPreprocessor'))
    name = str(pp.get('type', 'DetDataPreprocessor'))
    pp['type'] = SCENE_PREPROCESSORS.get(name.split('.')[-1], name)
    pp.update(scene=generator, freeze_scene=False, scene_checkpoint=None)
    cfg['data_preprocessor'] = pp
    cfg['_scope_'] = scope
    model = ROOT_MODELS.build(cfg)
    if not isinstance(model, BaseModel) or not hasattr(model.data_preprocessor, 'run_scene'):
        raise TypeError(f'BGLModel: task {kind!r} must be an mmengine BaseModel with a scene '
                        'data preprocessor (RUASDetDataPreprocessor / RUASSegDataPreprocessor)')
    return model


@MODELS.register_module()   # mmdet's and mmseg's MODELS: the adapters mmruas.det / mmruas.seg
class BGLModel(SearchStepMixin, BaseModel):
    """Args:
        generator: config of F (``dict(type='GenerativeBlock')``).
        task: config of G: ``dict(type='EnhancementTask')`` or a detector / segmentor
            config (module doc).
        solver: ``dict(type='TBGL', delta=...)`` or ``dict(type='IBGL', k=...)``.
        lower_loss: config of L_G for the enhancement task (``dict(type='SceneLoss',
            eta=...)``); a detector's or segmentor's L_G is its own loss.
        upper_loss_weight: weight w of the upper loss L_F.
        warmup_loss: objective of the warm start (module doc).
        data_preprocessor: enhancement only; defaults to
            :class:`~mmruas.bgl.RawDataPreprocessor`.
        task_scope: registry scope a detector / segmentor is built in (default: the
            current default scope; ``'mmdet'`` from the mmruas scope).
    """

    search_phases: ClassVar[tuple[str, ...]] = BGL_PHASES

    def __init__(self, generator: dict, task: dict, solver: dict,
                 lower_loss: dict | None = None, upper_loss_weight: float = 1.0,
                 warmup_loss: str = 'lower', data_preprocessor: dict | None = None,
                 task_scope: str | None = None, init_cfg: dict | None = None) -> None:
        if warmup_loss not in WARMUP_LOSSES:
            raise ValueError(f'warmup_loss must be one of {WARMUP_LOSSES}, got {warmup_loss!r}')
        gen = build_mmruas_module(generator)
        task_model = _build_task(task, gen, task_scope)
        is_model = isinstance(task_model, BaseModel)
        if is_model:
            if data_preprocessor is not None or lower_loss is not None:
                raise ValueError('BGLModel: with a detector / segmentor as G, the data '
                                 'preprocessor and L_G are the task\'s own')
            if warmup_loss != 'lower':
                raise ValueError('BGLModel: with a detector / segmentor as G, L_F and L_G are '
                                 "the same loss on different batches: warmup_loss='lower'")
            data_preprocessor = task_model.data_preprocessor
        elif data_preprocessor is None or isinstance(data_preprocessor, dict):
            data_preprocessor = build_mmruas_module(
                data_preprocessor or dict(type='RawDataPreprocessor'))
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.generator, self.task, self.task_is_model = gen, task_model, is_model
        self.lower_loss_fn = None if is_model else build_mmruas_module(
            lower_loss or dict(type='SceneLoss'))
        self.solver = BGL_SOLVERS.build(dict(solver, _scope_='mmruas'))
        self.upper_loss_weight, self.warmup_loss = float(upper_loss_weight), warmup_loss
        self.init_search_step('warmup')

    # ------------------------------------------------------------------ groups and losses
    def build_search_groups(self) -> dict[str, list[nn.Parameter]]:
        """``upper`` = the block's trainable weights ω, ``lower`` = the task's θ."""
        upper = [p for p in self.generator.parameters() if p.requires_grad]
        ids = {id(p) for p in upper}
        return dict(upper=upper, lower=[p for p in self.task.parameters()
                                        if p.requires_grad and id(p) not in ids])

    def lower_loss(self, x: Tensor) -> Tensor:
        """Enhancement L_G on the block's output ``x`` (brought to [0, 1] as the task sees it)."""
        return self.lower_loss_fn(self.task.illumination(x), self.task.unit(x))

    def upper_loss(self, y: Tensor, gt: Tensor) -> Tensor:
        """Enhancement L_F ``= w·‖y − gt‖₁`` (mean)."""
        return self.upper_loss_weight * F.l1_loss(y, gt.to(y.dtype))

    def task_loss(self, batch: dict) -> Tensor:
        """A detector's / segmentor's summed loss on a preprocessed batch (F already run)."""
        losses = self.task(batch['inputs'], batch['data_samples'], mode='loss')
        return self.parse_losses(losses)[0]

    def lower_closure(self, data: dict, block_fixed: bool = False) -> Closure:
        """L_G on a collated batch: through F (ω and θ), or with F's output computed once
        without a graph (``block_fixed``: θ alone, IBGL's lower steps). Every call of the
        closure replays one random stream (:func:`_replayed`)."""
        if self.task_is_model:
            if not block_fixed:
                return _replayed(lambda: self.task_loss(self.data_preprocessor(data, True)))
            with torch.no_grad():
                fixed = self.data_preprocessor(data, True)
            return _replayed(lambda: self.task_loss(fixed))
        z = self.data_preprocessor(data, True)['inputs']
        if not block_fixed:
            return _replayed(lambda: self.lower_loss(self.generator(z)))
        with torch.no_grad():
            x = self.generator(z)
        return _replayed(lambda: self.lower_loss(x))

    def upper_closure(self, data: dict) -> Closure:
        """L_F on a collated (upper) batch, through F and G (one random stream)."""
        if self.task_is_model:
            return _replayed(lambda: self.upper_loss_weight * self.task_loss(
                self.data_preprocessor(data, True)))
        val = self.data_preprocessor(data, True)
        zv, gtv = val['inputs'], self._gt(val['data_samples'])
        return _replayed(lambda: self.upper_loss(self.task(self.generator(zv))[0], gtv))

    @staticmethod
    def _gt(samples: list) -> Tensor:
        if not samples or any('gt_img' not in s for s in samples):
            raise KeyError('the upper loss L_F needs gt_img in every data sample')
        return torch.stack([s.gt_img for s in samples])

    # ------------------------------------------------------------------ forward
    def forward(self, inputs: Tensor, data_samples: list | None = None, mode: str = 'tensor'):
        if self.task_is_model:      # inputs: F already applied by the data preprocessor
            return self.task(inputs, data_samples, mode=mode)
        x = self.generator(inputs)
        y, t = self.task(x)
        if mode == 'tensor':
            return y
        if mode == 'loss':
            losses = {'loss_lower': self.lower_loss_fn(t, self.task.unit(x))}
            if data_samples and all('gt_img' in s for s in data_samples):
                losses['loss_upper'] = self.upper_loss(y, self._gt(data_samples))
            return losses
        if mode == 'predict':
            return self.predict(x, y, t, data_samples)
        raise ValueError(f'invalid mode {mode!r}; use "loss", "predict" or "tensor"')

    def predict(self, x: Tensor, y: Tensor, t: Tensor,
                data_samples: list | None) -> list[BaseDataElement]:
        """``pred_img`` = y clamped to [0, 1]; ``pred_raw_rgb`` = F's output x."""
        samples = data_samples if data_samples is not None else [
            BaseDataElement() for _ in range(y.shape[0])]
        for i, ds in enumerate(samples):
            h, w = ds.metainfo.get('img_shape', y.shape[-2:])[:2]
            ds.pred_img = y[i, :, :h, :w].detach().clamp(0.0, 1.0)
            ds.pred_raw_rgb = x[i, :, :h, :w].detach()
            ds.pred_illumination = t[i, :, :h, :w].detach()
        return samples

    # ------------------------------------------------------------------ training
    def train_step(self, data: Any, optim_wrapper: Any) -> dict[str, Tensor]:
        """One iteration of the phase of :attr:`search_step` (module doc); returns the log
        variables."""
        step = self.search_step
        groups = self.search_groups()
        upper, lower = groups['upper'], groups['lower']
        optim_wrapper.zero_grad()
        if step.phases == ('warmup',):
            log = self._warmup(data, optim_wrapper, upper, lower)
        else:
            problem = BilevelProblem(upper, lower, self.lower_closure(data),
                                     self.upper_closure(step.val_batch),
                                     list(self.buffers()), all_reduce_mean)
            own: list[Closure] = []

            def lower_loss_at(fresh: bool) -> Closure:
                """L_G with the block fixed: the iteration's batch or a newly drawn one."""
                if fresh:
                    if step.lower_batches is None:
                        raise RuntimeError('fresh lower batches need a batch stream '
                                           '(lower_batches of set_search_step; BGLHook gives '
                                           'one), or IBGL(fresh_batches=False)')
                    return self.lower_closure(next(step.lower_batches), block_fixed=True)
                if not own:
                    own.append(self.lower_closure(data, block_fixed=True))
                return own[0]

            log = self.solver.step(problem, optim_wrapper['upper'], optim_wrapper['lower'],
                                   lower_loss_at)
            with torch.no_grad():
                log['loss_upper'] = problem.val_loss()
        _, log_vars = self.parse_losses(log)
        return log_vars

    def _warmup(self, data: Any, optim_wrapper: Any, upper: list,
                lower: list) -> dict[str, Tensor]:
        if self.task_is_model:
            log = {'loss_lower': self.lower_closure(data)()}
        else:
            batch = self.data_preprocessor(data, True)
            x = self.generator(batch['inputs'])
            y, t = self.task(x)
            log = {'loss_lower': self.lower_loss_fn(t, self.task.unit(x))}
            if self.warmup_loss != 'lower':
                log['loss_upper'] = self.upper_loss(y, self._gt(batch['data_samples']))
        total = {'lower': log['loss_lower'], 'upper': log.get('loss_upper'),
                 'both': sum(log.values())}[self.warmup_loss]
        g = rank_mean_grads(total, [*upper, *lower])
        optimizer_step(optim_wrapper['upper'], upper, g[:len(upper)])
        optimizer_step(optim_wrapper['lower'], lower, g[len(upper):])
        return log
