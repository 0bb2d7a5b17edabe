"""The search model: Algorithm 1's phases as one ``train_step`` (RUAS-TPAMI §4.2,
Alg. 1; DARTS' ``model_search``).

A search model has a *scene* side (weights ω_s, architecture α_s, loss L_s) and a *task*
side (ω_t, α_t, loss L_t on the scene's output). :class:`CooperativeSearchMixin` runs the
phase :class:`~mmruas.search.CooperativeSearchHook` sets through
:meth:`~mmruas.search.SearchStepMixin.set_search_step` (one phase, or a sequence of phases
run in order on the same batches, e.g. ``('scene', 'task')`` for an iteration of the hook's
``cadence``), with that call's validation batch:

* ``'scene'``: α_s ← step(∇αs Ls_val(ωs − ξ∇ωs Ls_tr) + β·∇αs Lt_val(αt(αs); ωt)), then
  ω_s ← step(∇ωs Ls_tr);
* ``'scene_alone'``: the scene search of the *independent* strategy (RUAS-TPAMI §4.2,
  Table 4): α_s ← step(∇αs Ls_val(ωs − ξ∇ωs Ls_tr)), then ω_s ← step(∇ωs Ls_tr); the task
  is not evaluated;
* ``'task'``: α_t ← step(∇αt Lt_val(ωt − ξ∇ωt Lt_tr)) with the scene output fixed, then
  ω_t ← step(∇ωt Lt_tr);
* ``'joint'`` (the global strategy's step): one bilevel pair with all α, all ω and the
  summed losses ``Ls + Lt`` (L_t through the scene): all α step, then all ω step on the
  summed training loss;
* ``'warmup'``: only ω_s (on L_s) and ω_t (on L_t, scene output detached) step.

:meth:`CooperativeSearchMixin.end_scene_search` discretises the scene to its derived architecture
(the arg-max op of every edge) and freezes it: the task half of the independent strategy
searches on that finished scene.

The four optimisers are the wrappers ``scene_w``, ``task_w``, ``scene_alpha``,
``task_alpha`` of :class:`~mmruas.search.SearchOptimWrapperConstructor`. Every gradient is
averaged over data-parallel ranks (:mod:`mmruas.search.distributed`).

A model mixes this in before its ``BaseModel`` class, calls :meth:`init_search` and
provides what only it knows, the methods marked *model*: :meth:`search_sides` (its scene
and task modules), :meth:`search_inputs` (how a data batch becomes the scene's input),
:meth:`search_scene_pass` (the scene pass: the task's input and L_s),
:meth:`search_task_loss` (L_t on a task input) and :meth:`genotype_cfg`. The mixin derives
the rest: the parameter groups and the buffers of each side, L_s alone, the fixed task
input, L_t through the scene and the joint losses. A *batch* is whatever
:meth:`search_inputs` returns; it is prepared once per step and must give the same losses
every time a closure re-evaluates them (no random augmentation after it).
"""
from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, NamedTuple

import torch
from torch import Tensor, nn

from ..search_space.alphas import side_groups
from ..search_space.mixed_op import MixedOp
from .distributed import all_reduce_mean
from .hypergradient import (
    BilevelProblem,
    hypergradient,
    optimizer_step,
    rank_mean_grads,
    scene_hypergradient,
)
from .search_step import SearchStepMixin

__all__ = ['CooperativeSearchMixin', 'SEARCH_PHASES', 'ScenePass', 'detach_tensors']

SEARCH_PHASES = ('scene', 'scene_alone', 'task', 'joint', 'warmup')


class ScenePass(NamedTuple):
    """What one pass of the scene side gives the search.

    Attributes:
        task_inputs: the task side's input, differentiable w.r.t. the scene (the enhancer's
            IEM output uᴷ; a detector's preprocessed batch with the scene output as images).
        scene_loss: L_s of the scene on the batch.
    """

    task_inputs: Any
    scene_loss: Tensor


def detach_tensors(value: Any) -> Any:
    """``value`` with every tensor (also inside dicts, lists and tuples) detached."""
    if isinstance(value, Tensor):
        return value.detach()
    if isinstance(value, dict):
        return {k: detach_tensors(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(detach_tensors(v) for v in value)
    return value


def _merged_optimizer(optimizers: Sequence[torch.optim.Optimizer]) -> torch.optim.Optimizer:
    """A read-only view of several optimisers of one type (for a joint virtual step)."""
    if len({type(o) for o in optimizers}) != 1:
        raise TypeError('a second-order global search needs scene_w and task_w to use the same '
                        'optimiser type; use order=1 otherwise')
    view = copy.copy(optimizers[0])
    view.param_groups = [g for o in optimizers for g in o.param_groups]
    view.state = {p: s for o in optimizers for p, s in o.state.items()}
    return view


def _alpha_then_weights(optim_wrapper: Any, side: str, alphas: list[nn.Parameter],
                        alpha_grads: list[Tensor], weights: list[nn.Parameter],
                        train_loss: Callable[[], Tensor]) -> Tensor:
    """One side's phase after its hypergradient: α steps, then ω on the training loss at
    the new α; returns that loss."""
    optimizer_step(optim_wrapper[f'{side}_alpha'], alphas, alpha_grads)
    loss = train_loss()
    optimizer_step(optim_wrapper[f'{side}_w'], weights, rank_mean_grads(loss, weights))
    return loss


class CooperativeSearchMixin(SearchStepMixin):
    """Algorithm 1's ``train_step`` for a model with a scene and a task side (module doc).

    Attributes (set by :meth:`init_search`; :meth:`set_search_step` may change ``beta`` and
    ``order``):
        beta: weight β of the task's validation loss in the scene phase.
        order: 1 or 2, order of the hypergradients.
        r: finite-difference radius of the second-order hypergradient.
    """

    search_phases: ClassVar[tuple[str, ...]] = SEARCH_PHASES
    #: log names of L_s and L_t
    search_loss_names: tuple[str, str] = ('loss_scene', 'loss_task')

    def init_search(self, beta: float = 1.0, order: int = 2, r: float = 0.01) -> None:
        """Set the search attributes (class doc); call from ``__init__``."""
        self.init_search_step('warmup')
        self.r = r
        self.set_search_settings(beta, order)

    def set_search_settings(self, beta: float | None = None, order: int | None = None) -> None:
        """β and the hypergradient order (``None``: unchanged)."""
        if order is not None and order not in (1, 2):
            raise ValueError(f'order must be 1 or 2, got {order}')
        if beta is not None:
            self.beta = float(beta)
        if order is not None:
            self.order = int(order)

    # ------------------------------------------------------------------ model
    def search_sides(self) -> tuple[nn.Module, nn.Module]:
        """*model*: ``(scene, task)``, the modules of the two sides (the task module may
        contain the scene; its parameters then count as the scene's)."""
        raise NotImplementedError

    def search_inputs(self, data: Any) -> Any:
        """*model*: a data batch prepared once per step (device, dtype; no scene yet)."""
        raise NotImplementedError

    def search_scene_pass(self, batch: Any) -> ScenePass:
        """*model*: the scene side on ``batch``: the task's input and L_s."""
        raise NotImplementedError

    def search_task_loss(self, task_inputs: Any) -> Tensor:
        """*model*: L_t of the task side on ``task_inputs`` (as :class:`ScenePass` gives)."""
        raise NotImplementedError

    def genotype_cfg(self) -> dict:
        """*model*: the derived genotypes as overrides of the retrain config's ``model``."""
        raise NotImplementedError

    # ------------------------------------------------------------------ derived
    def build_search_groups(self) -> dict[str, list[nn.Parameter]]:
        """``scene_w``, ``scene_alpha`` of the scene side and ``task_w``, ``task_alpha`` of
        the task side without the scene's parameters (trainable ones only, module order)."""
        return side_groups(*self.search_sides())

    def search_buffers(self) -> tuple[list[Tensor], list[Tensor]]:
        """Buffers (e.g. BatchNorm statistics) of the scene and of the rest of the task side,
        restored after every virtual pass."""
        scene, task = self.search_sides()
        scene_buffers = list(scene.buffers())
        ids = {id(b) for b in scene_buffers}
        return scene_buffers, [b for b in task.buffers() if id(b) not in ids]

    def search_scene_loss(self, batch: Any) -> Tensor:
        """L_s of the scene on ``batch``."""
        return self.search_scene_pass(batch).scene_loss

    def search_task_inputs(self, batch: Any) -> Any:
        """The task's input from the scene (the caller runs it under ``no_grad``)."""
        return self.search_scene_pass(batch).task_inputs

    def search_task_loss_through_scene(self, batch: Any) -> Tensor:
        """L_t on the scene's output, differentiable w.r.t. the scene."""
        return self.search_task_loss(self.search_scene_pass(batch).task_inputs)

    def search_joint_losses(self, batch: Any, detach_scene: bool) -> tuple[Tensor, Tensor]:
        """``(L_s, L_t)`` from one scene pass; ``detach_scene``: L_t does not reach the
        scene."""
        task_inputs, l_s = self.search_scene_pass(batch)
        if detach_scene:
            task_inputs = detach_tensors(task_inputs)
        return l_s, self.search_task_loss(task_inputs)

    # ------------------------------------------------------------------ Algorithm 1
    def train_step(self, data: Any, optim_wrapper: Any) -> dict[str, Tensor]:
        """One iteration: the phase (or phases, in order) of :attr:`search_step` (module
        doc); returns the log variables."""
        step = self.search_step
        phases = step.phases
        optim_wrapper.zero_grad()
        x = self.search_inputs(data)
        xv = None
        if any(p not in self.val_free_phases for p in phases):
            xv = self.search_inputs(step.val_batch)
        log: dict[str, Tensor] = {}
        for phase in phases:
            log.update(getattr(self, f'_phase_{phase}')(optim_wrapper, x, xv))
        _, log_vars = self.parse_losses(log)
        return log_vars

    def _scene_problem(self, x: Any, xv: Any) -> tuple[BilevelProblem, list[Tensor]]:
        """The scene's bilevel pair (L_s on the training and validation batches) and the
        task side's buffers."""
        groups = self.search_groups()
        scene_buffers, task_buffers = self.search_buffers()
        problem = BilevelProblem(groups['scene_alpha'], groups['scene_w'],
                                 lambda: self.search_scene_loss(x),
                                 lambda: self.search_scene_loss(xv), scene_buffers,
                                 all_reduce_mean)
        return problem, task_buffers

    def _scene_steps(self, optim_wrapper: Any, x: Any, grads: list[Tensor]) -> dict[str, Tensor]:
        """α_s steps with ``grads``, then ω_s on L_s; the loss by its log name."""
        groups = self.search_groups()
        loss = _alpha_then_weights(optim_wrapper, 'scene', groups['scene_alpha'], grads,
                                   groups['scene_w'], lambda: self.search_scene_loss(x))
        return {self.search_loss_names[0]: loss}

    def _phase_scene(self, optim_wrapper: Any, x: Any, xv: Any) -> dict[str, Tensor]:
        """α_s on L_s's hypergradient plus β·L_t's through the scene, then ω_s."""
        problem, task_buffers = self._scene_problem(x, xv)
        grads = scene_hypergradient(
            problem, lambda: self.search_task_loss_through_scene(xv), self.beta,
            optim_wrapper['scene_w'], self.order, self.r, task_buffers=task_buffers)
        return self._scene_steps(optim_wrapper, x, grads)

    def _phase_scene_alone(self, optim_wrapper: Any, x: Any, xv: Any) -> dict[str, Tensor]:
        """Independent strategy: α_s on L_s's hypergradient alone (the task is not
        involved), then ω_s."""
        problem, _ = self._scene_problem(x, xv)
        grads = hypergradient(problem, optim_wrapper['scene_w'], self.order, self.r)
        return self._scene_steps(optim_wrapper, x, grads)

    def _phase_task(self, optim_wrapper: Any, x: Any, xv: Any) -> dict[str, Tensor]:
        """α_t on L_t's hypergradient with the scene output fixed, then ω_t."""
        groups = self.search_groups()
        a_t, wt = groups['task_alpha'], groups['task_w']
        with torch.no_grad():
            u, uv = self.search_task_inputs(x), self.search_task_inputs(xv)
        problem = BilevelProblem(a_t, wt, lambda: self.search_task_loss(u),
                                 lambda: self.search_task_loss(uv), self.search_buffers()[1],
                                 all_reduce_mean)
        grads = hypergradient(problem, optim_wrapper['task_w'], self.order, self.r)
        return {self.search_loss_names[1]: _alpha_then_weights(
            optim_wrapper, 'task', a_t, grads, wt, lambda: self.search_task_loss(u))}

    def _phase_joint(self, optim_wrapper: Any, x: Any, xv: Any) -> dict[str, Tensor]:
        """All α on the joint pair ``Ls + Lt``'s hypergradient, then all ω on ``Ls + Lt``
        (L_t also trains ω_s through the scene)."""
        groups = self.search_groups()
        ws, wt = groups['scene_w'], groups['task_w']
        self._global_alpha_step(optim_wrapper, groups, x, xv, sum(self.search_buffers(), []))
        l_s, l_t = self.search_joint_losses(x, detach_scene=False)
        g = rank_mean_grads(l_s + l_t, [*ws, *wt])
        return self._weight_steps(optim_wrapper, ws, wt, g, l_s, l_t)

    def _phase_warmup(self, optim_wrapper: Any, x: Any, xv: Any) -> dict[str, Tensor]:
        """Only ω: ω_s on L_s and ω_t on L_t (scene output detached)."""
        groups = self.search_groups()
        ws, wt = groups['scene_w'], groups['task_w']
        l_s, l_t = self.search_joint_losses(x, detach_scene=True)
        g = rank_mean_grads(l_s, ws) + rank_mean_grads(l_t, wt)
        return self._weight_steps(optim_wrapper, ws, wt, g, l_s, l_t)

    def _weight_steps(self, optim_wrapper: Any, ws: list[nn.Parameter], wt: list[nn.Parameter],
                      g: list[Tensor], l_s: Tensor, l_t: Tensor) -> dict[str, Tensor]:
        """ω_s and ω_t step with the gradients ``g`` (``ws`` first); both losses logged."""
        optimizer_step(optim_wrapper['scene_w'], ws, g[:len(ws)])
        optimizer_step(optim_wrapper['task_w'], wt, g[len(ws):])
        name_s, name_t = self.search_loss_names
        return {name_s: l_s, name_t: l_t}

    def end_scene_search(self) -> None:
        """End the scene search (independent strategy, RUAS-TPAMI §4.2: "when searching the
        TM, the searching procedure of the SM has ended"): every scene edge becomes its
        arg-max op (:meth:`MixedOp.discretise`, the derived architecture) and every scene weight
        and α is frozen (``requires_grad=False``, so the scene leaves the search groups)."""
        groups = self.search_groups()
        alpha_ids = {id(a) for a in groups['scene_alpha']}
        for m in self.modules():
            if isinstance(m, MixedOp) and id(m.arch_alpha) in alpha_ids:
                m.discretise()
        for p in (*groups['scene_w'], *groups['scene_alpha']):
            p.requires_grad_(False)
        self.reset_search_groups()

    def _global_alpha_step(self, optim_wrapper: Any, groups: dict[str, list[nn.Parameter]],
                           x: Any, xv: Any, buffers: list[Tensor]) -> None:
        """All α step on the hypergradient of the joint pair ``Ls + Lt`` ('joint')."""
        ws, wt = groups['scene_w'], groups['task_w']
        a_s, a_t = groups['scene_alpha'], groups['task_alpha']
        opt = None
        if self.order == 2:
            opt = _merged_optimizer([optim_wrapper['scene_w'].optimizer,
                                     optim_wrapper['task_w'].optimizer])

        def joint(batch: Any) -> Tensor:
            l_s, l_t = self.search_joint_losses(batch, detach_scene=False)
            return l_s + l_t

        problem = BilevelProblem([*a_s, *a_t], [*ws, *wt], lambda: joint(x), lambda: joint(xv),
                                 buffers, all_reduce_mean)
        grads = hypergradient(problem, opt, self.order, self.r)
        optimizer_step(optim_wrapper['scene_alpha'], a_s, grads[:len(a_s)])
        optimizer_step(optim_wrapper['task_alpha'], a_t, grads[len(a_s):])
