"""The BGL model: generative block F, then the enhancement task G (METHOD.md §6).

``x = F(z; ω)``, ``(y, t) = G(x; θ)`` with ``y = x ⊙ t⁻¹``. Losses: the lower (task)
loss ``L_G = ‖t − x‖² + η·RTV(t)`` (self-supervised, no ground truth) and the upper loss
``L_F = ‖y − y_gt‖₁`` (the composition against the ground truth, e.g. SID's long
exposure). :meth:`train_step` runs the phase :class:`~mmruas.bgl.BGLHook` sets in
``bgl_phase`` (the upper batch in ``bgl_val_batch``):

* ``'warmup'``: F∘G trained jointly on ``warmup_loss`` (``'lower'``: L_G as the issue
  specifies; ``'upper'``: L_F; ``'both'``: L_F + L_G), one step of both optimisers;
* ``'bilevel'``: one outer iteration of the configured solver (:class:`~mmruas.bgl.TBGL`
  or :class:`~mmruas.bgl.IBGL`).

Optimisers: ``optim_wrapper['upper']`` (ω) and ``optim_wrapper['lower']`` (θ), built by
:class:`~mmruas.bgl.BGLOptimWrapperConstructor`.
"""
from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from mmengine.structures import BaseDataElement
from torch import Tensor, nn

from ..models.scene_preprocessor import build_mmruas_module
from ..registry import MODELS
from ..search.distributed import all_reduce_mean
from ..search.hypergradient import BilevelProblem
from ..search.search_model import optimizer_step, rank_mean_grads
from .solver import BGL_SOLVERS

__all__ = ['BGLModel', 'BGL_PHASES']

BGL_PHASES = ('warmup', 'bilevel')
WARMUP_LOSSES = ('lower', 'upper', 'both')


@MODELS.register_module()
class BGLModel(BaseModel):
    """Args:
        generator: config of F (``dict(type='GenerativeBlock')``).
        task: config of G (``dict(type='EnhancementTask')``).
        solver: ``dict(type='TBGL', delta=...)`` or ``dict(type='IBGL', k=...)``.
        lower_loss: config of L_G (``dict(type='SceneLoss', eta=...)``).
        upper_loss_weight: weight of the L1 upper loss.
        warmup_loss: objective of the warm start (module doc).
        data_preprocessor: defaults to :class:`~mmruas.bgl.RawDataPreprocessor`.
    """

    def __init__(self, generator: dict, task: dict, solver: dict,
                 lower_loss: dict | None = None, upper_loss_weight: float = 1.0,
                 warmup_loss: str = 'lower', data_preprocessor: dict | None = None,
                 init_cfg: dict | None = None) -> None:
        if data_preprocessor is None or isinstance(data_preprocessor, dict):
            data_preprocessor = build_mmruas_module(
                data_preprocessor or dict(type='RawDataPreprocessor'))
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if warmup_loss not in WARMUP_LOSSES:
            raise ValueError(f'warmup_loss must be one of {WARMUP_LOSSES}, got {warmup_loss!r}')
        self.generator = build_mmruas_module(generator)
        self.task = build_mmruas_module(task)
        self.lower_loss_fn = build_mmruas_module(lower_loss or dict(type='SceneLoss'))
        self.solver = BGL_SOLVERS.build(solver)
        self.upper_loss_weight, self.warmup_loss = float(upper_loss_weight), warmup_loss
        self.bgl_phase = 'warmup'
        self.bgl_val_batch = None

    # ------------------------------------------------------------------ groups and losses
    def bgl_groups(self) -> dict[str, list[nn.Parameter]]:
        """``upper`` = the block's trainable weights ω, ``lower`` = the task's θ."""
        return dict(upper=[p for p in self.generator.parameters() if p.requires_grad],
                    lower=[p for p in self.task.parameters() if p.requires_grad])

    def lower_loss(self, x: Tensor) -> Tensor:
        """L_G of the task on the block's output ``x`` (brought to [0, 1] as the task sees it)."""
        return self.lower_loss_fn(self.task.illumination(x), self.task.unit(x))

    def upper_loss(self, y: Tensor, gt: Tensor) -> Tensor:
        """L_F ``= w·‖y − gt‖₁`` (mean)."""
        return self.upper_loss_weight * F.l1_loss(y, gt.to(y.dtype))

    @staticmethod
    def _gt(samples: list) -> Tensor:
        if not samples or any('gt_img' not in s for s in samples):
            raise KeyError('the upper loss L_F needs gt_img in every data sample')
        return torch.stack([s.gt_img for s in samples])

    # ------------------------------------------------------------------ forward
    def forward(self, inputs: Tensor, data_samples: list | None = None, mode: str = 'tensor'):
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
        """One iteration of ``bgl_phase`` (module doc); returns the log variables."""
        if self.bgl_phase not in BGL_PHASES:
            raise ValueError(f'bgl_phase must be one of {BGL_PHASES}, got {self.bgl_phase!r}')
        groups = self.bgl_groups()
        upper, lower = groups['upper'], groups['lower']
        batch = self.data_preprocessor(data, True)
        z, samples = batch['inputs'], batch['data_samples']
        optim_wrapper.zero_grad()
        if self.bgl_phase == 'warmup':
            log = self._warmup(z, samples, optim_wrapper, upper, lower)
        else:
            if self.bgl_val_batch is None:
                raise RuntimeError('the bilevel phase needs an upper-level batch in '
                                   'bgl_val_batch (use BGLHook)')
            val = self.data_preprocessor(self.bgl_val_batch, True)
            zv, gtv = val['inputs'], self._gt(val['data_samples'])
            x_fixed: list[Tensor] = []

            def lower_loss_fixed() -> Tensor:
                """L_G with the block's output computed once, without a graph (IBGL)."""
                if not x_fixed:
                    with torch.no_grad():
                        x_fixed.append(self.generator(z))
                return self.lower_loss(x_fixed[0])

            problem = BilevelProblem(
                upper, lower, lambda: self.lower_loss(self.generator(z)),
                lambda: self.upper_loss(self.task(self.generator(zv))[0], gtv),
                list(self.buffers()), all_reduce_mean)
            log = self.solver.step(problem, optim_wrapper['upper'], optim_wrapper['lower'],
                                   lower_loss_fixed)
            with torch.no_grad():
                log['loss_upper'] = problem.val_loss()
        _, log_vars = self.parse_losses(log)
        return log_vars

    def _warmup(self, z: Tensor, samples: list, optim_wrapper: Any, upper: list,
                lower: list) -> dict[str, Tensor]:
        x = self.generator(z)
        y, t = self.task(x)
        log = {'loss_lower': self.lower_loss_fn(t, self.task.unit(x))}
        if self.warmup_loss != 'lower':
            log['loss_upper'] = self.upper_loss(y, self._gt(samples))
        total = {'lower': log['loss_lower'], 'upper': log.get('loss_upper'),
                 'both': sum(log.values())}[self.warmup_loss]
        g = rank_mean_grads(total, [*upper, *lower])
        optimizer_step(optim_wrapper['upper'], upper, g[:len(upper)])
        optimizer_step(optim_wrapper['lower'], lower, g[len(upper):])
        return log
