"""Cooperative architecture search of the enhancement model (METHOD.md §4, Alg. 1).

Scene = the IEM cells (ω_s, α_s; L_s = IEM loss), task = the NRM cells (ω_t, α_t;
L_t = NRM loss). ``train_step`` runs the phase set by :class:`CooperativeSearchHook`
in ``self.search_phase`` with the validation batch in ``self.search_val_batch``:

* ``'scene'``: α_s ← step(∇αs Ls_val(ωs − ξ∇ωs Ls_tr) + β·∇αs Lt_val(αt(αs); ωt)), then
  ω_s ← step(∇ωs Ls_tr);
* ``'task'``: α_t ← step(∇αt Lt_val(ωt − ξ∇ωt Lt_tr)), then ω_t ← step(∇ωt Lt_tr);
* ``'global'``: one bilevel pair with all α, all ω and the summed losses
  ``Ls + Lt``: all α step, then all ω step on the summed training loss;
* ``'warmup'``: only ω_s (on L_s) and ω_t (on L_t) step.

The four optimisers are the wrappers ``scene_w``, ``task_w``, ``scene_alpha``,
``task_alpha`` of :class:`SearchOptimWrapperConstructor` (:meth:`search_groups`).

Every gradient is averaged over data-parallel ranks (:mod:`mmruas.search.distributed`;
use ``model_wrapper_cfg=dict(type='SearchDistributedDataParallel')``).

``tie_alphas=True`` (default) makes all IEM stages' cells share one α per edge and all
NRM cells share one α per edge (the weights ω stay per cell): the search then has
exactly one IEM and one NRM genotype, which is what the enhancement configs can express
(``model.scene.iem.genotype`` and ``model.scene.nrm.genotype`` apply to every cell).
"""
from __future__ import annotations

import copy
from collections.abc import Sequence

import torch
from torch import Tensor, nn

from ..registry import MODELS
from ..search.distributed import all_reduce_mean
from ..search.hypergradient import BilevelProblem, hypergradient, scene_hypergradient
from ..search_space.cell import EDGE_NAMES, DistillationCell
from ..search_space.mixed_op import is_arch_param
from .enhancer import RUASEnhancer

__all__ = ['RUASSearchEnhancer', 'SEARCH_PHASES']

SEARCH_PHASES = ('scene', 'task', 'global', 'warmup')


def _searchable_cells(module: nn.Module) -> list[DistillationCell]:
    cells, seen = [], set()
    for m in module.modules():
        if isinstance(m, DistillationCell) and m.searchable and id(m) not in seen:
            seen.add(id(m))
            cells.append(m)
    return cells


def _tie(cells: Sequence[DistillationCell]) -> None:
    """Make every cell use the first cell's α (per edge); weights stay separate."""
    for cell in cells[1:]:
        for edge in EDGE_NAMES:
            getattr(cell, edge).arch_alpha = getattr(cells[0], edge).arch_alpha


def _grads(loss: Tensor, params: Sequence[Tensor]) -> list[Tensor]:
    """Gradients averaged over data-parallel ranks (zeros where unused)."""
    gs = torch.autograd.grad(loss, list(params), allow_unused=True)
    return all_reduce_mean([torch.zeros_like(p) if g is None else g for p, g in zip(params, gs)])


def _merged_optimizer(optimizers: Sequence[torch.optim.Optimizer]) -> torch.optim.Optimizer:
    """A read-only view of several optimisers of one type (for a joint virtual step)."""
    if len({type(o) for o in optimizers}) != 1:
        raise TypeError('a second-order global search needs scene_w and task_w to use the same '
                        'optimiser type; use order=1 otherwise')
    view = copy.copy(optimizers[0])
    view.param_groups = [g for o in optimizers for g in o.param_groups]
    view.state = {p: s for o in optimizers for p, s in o.state.items()}
    return view


@MODELS.register_module()
class RUASSearchEnhancer(RUASEnhancer):
    """Args:
        scene: the RUAS module; default ``RUAS(variant='RUAS')`` with searchable IEM and
            NRM cells (``genotype=None``). Only the variant ``'RUAS'`` is searchable.
        tie_alphas: share α across the IEM cells and across the NRM cells (see module doc).
        beta: weight β of the task's validation loss in the scene phase (the hook may set it).
        order: 1 or 2, order of the hypergradients (the hook may set it).
        r: finite-difference radius of the second-order hypergradient.
        **kwargs: as :class:`RUASEnhancer` (losses, data_preprocessor).
    """

    def __init__(self, scene: dict | None = None, tie_alphas: bool = True, beta: float = 1.0,
                 order: int = 2, r: float = 0.01, **kwargs) -> None:
        scene = scene or dict(type='RUAS', variant='RUAS', iem=dict(genotype=None),
                              nrm=dict(genotype=None))
        super().__init__(scene, **kwargs)
        if getattr(self.scene, 'variant', None) != 'RUAS':
            raise ValueError('the search model needs scene=RUAS(variant="RUAS") (IEM + NRM, '
                             f'no estimator), got {getattr(self.scene, "variant", None)!r}')
        self.scene_cells = _searchable_cells(self.scene.iem)
        self.task_cells = _searchable_cells(self.scene.nrm)
        if not self.scene_cells or not self.task_cells:
            raise ValueError('IEM and NRM need searchable cells: set iem=dict(genotype=None) '
                             'and nrm=dict(genotype=None)')
        if tie_alphas:
            _tie(self.scene_cells)
            _tie(self.task_cells)
        self.tie_alphas = tie_alphas
        self.beta, self.order, self.r = beta, order, r
        self.search_phase = 'warmup'
        self.search_val_batch = None

    # ------------------------------------------------------------------ groups
    def search_groups(self) -> dict[str, list[nn.Parameter]]:
        """``scene_w``, ``task_w``, ``scene_alpha``, ``task_alpha`` (disjoint, complete)."""
        groups: dict[str, list[nn.Parameter]] = {
            'scene_w': [], 'task_w': [], 'scene_alpha': [], 'task_alpha': []}
        for side, module in (('scene', self.scene.iem), ('task', self.scene.nrm)):
            for name, p in module.named_parameters():
                if not p.requires_grad:
                    continue
                groups[f'{side}_alpha' if is_arch_param(name) else f'{side}_w'].append(p)
        covered = {id(p) for ps in groups.values() for p in ps}
        rest = [n for n, p in self.named_parameters() if p.requires_grad and id(p) not in covered]
        if rest:
            raise RuntimeError(f'parameters outside the search groups: {rest}')
        return groups

    # ------------------------------------------------------------------ losses
    def _scene_loss(self, x: Tensor) -> Tensor:
        _, ts, t_hats = self.scene.iem(x)
        return self.iem_loss(ts, t_hats)

    def _task_loss(self, u: Tensor) -> Tensor:
        return self.nrm_loss(self.scene.nrm(u), u)

    def _task_loss_through_scene(self, x: Tensor) -> Tensor:
        us, _, _ = self.scene.iem(x)
        return self._task_loss(us[-1])

    @torch.no_grad()
    def _scene_output(self, x: Tensor) -> Tensor:
        return self.scene.iem(x)[0][-1]

    # ------------------------------------------------------------------ steps
    @staticmethod
    def _step(wrapper, params: Sequence[nn.Parameter], grads: Sequence[Tensor]) -> None:
        for p, g in zip(params, grads):
            p.grad = g.detach().clone()
        wrapper.step()
        wrapper.zero_grad()

    def _weight_step(self, wrapper, params, loss: Tensor) -> None:
        self._step(wrapper, params, _grads(loss, params))

    def train_step(self, data, optim_wrapper) -> dict[str, Tensor]:
        phase = self.search_phase
        if phase not in SEARCH_PHASES:
            raise ValueError(f'search_phase must be one of {SEARCH_PHASES}, got {phase!r}')
        groups = self.search_groups()
        ws, wt = groups['scene_w'], groups['task_w']
        a_s, a_t = groups['scene_alpha'], groups['task_alpha']
        optim_wrapper.zero_grad()
        x = self.data_preprocessor(data, training=True)['inputs']
        xv = None
        if phase != 'warmup':
            if self.search_val_batch is None:
                raise RuntimeError(f'the {phase!r} phase needs a validation batch in '
                                   'search_val_batch (use CooperativeSearchHook)')
            xv = self.data_preprocessor(self.search_val_batch, training=True)['inputs']
        iem_buffers, nrm_buffers = list(self.scene.iem.buffers()), list(self.scene.nrm.buffers())
        log: dict[str, Tensor] = {}
        if phase == 'scene':
            problem = BilevelProblem(a_s, ws, lambda: self._scene_loss(x),
                                     lambda: self._scene_loss(xv), iem_buffers, all_reduce_mean)
            grads = scene_hypergradient(problem, lambda: self._task_loss_through_scene(xv),
                                        self.beta, optim_wrapper['scene_w'], self.order, self.r,
                                        task_buffers=nrm_buffers, set_grad=False)
            self._step(optim_wrapper['scene_alpha'], a_s, grads)
            loss = self._scene_loss(x)
            self._weight_step(optim_wrapper['scene_w'], ws, loss)
            log['loss_iem'] = loss
        elif phase == 'task':
            u, uv = self._scene_output(x), self._scene_output(xv)
            problem = BilevelProblem(a_t, wt, lambda: self._task_loss(u),
                                     lambda: self._task_loss(uv), nrm_buffers, all_reduce_mean)
            grads = hypergradient(problem, optim_wrapper['task_w'], self.order, self.r,
                                  set_grad=False)
            self._step(optim_wrapper['task_alpha'], a_t, grads)
            loss = self._task_loss(u)
            self._weight_step(optim_wrapper['task_w'], wt, loss)
            log['loss_nrm'] = loss
        else:
            if phase == 'global':
                opt = None
                if self.order == 2:
                    opt = _merged_optimizer([optim_wrapper['scene_w'].optimizer,
                                             optim_wrapper['task_w'].optimizer])
                problem = BilevelProblem(
                    [*a_s, *a_t], [*ws, *wt],
                    lambda: self._scene_loss(x) + self._task_loss_through_scene(x),
                    lambda: self._scene_loss(xv) + self._task_loss_through_scene(xv),
                    iem_buffers + nrm_buffers, all_reduce_mean)
                grads = hypergradient(problem, opt, self.order, self.r, set_grad=False)
                self._step(optim_wrapper['scene_alpha'], a_s, grads[:len(a_s)])
                self._step(optim_wrapper['task_alpha'], a_t, grads[len(a_s):])
            us, ts, t_hats = self.scene.iem(x)
            l_s = self.iem_loss(ts, t_hats)
            if phase == 'global':   # one joint objective: Lt also trains ωs through uᴷ
                l_t = self._task_loss(us[-1])
                g = _grads(l_s + l_t, [*ws, *wt])
            else:                   # warm-up: each side on its own loss
                u = us[-1].detach()
                l_t = self._task_loss(u)
                g = _grads(l_s, ws) + _grads(l_t, wt)
            self._step(optim_wrapper['scene_w'], ws, g[:len(ws)])
            self._step(optim_wrapper['task_w'], wt, g[len(ws):])
            log['loss_iem'], log['loss_nrm'] = l_s, l_t
        _, log_vars = self.parse_losses(log)
        return log_vars
