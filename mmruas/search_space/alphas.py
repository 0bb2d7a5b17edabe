"""α as parameters: telling them from the weights ω, and sharing them between units.

Every architecture parameter of an mmruas model is a :class:`~mmruas.search_space.MixedOp`'s
``arch_alpha`` (:func:`~mmruas.search_space.is_arch_param`); this module is the one place
that splits a module's parameters into α and ω (the search models' parameter groups and
:meth:`~mmruas.search.BilevelProblem.from_module` use it).
"""
from __future__ import annotations

from collections.abc import Sequence

from torch import nn

from .mixed_op import is_arch_param
from .unit import SearchableUnit

__all__ = ['split_arch_params', 'side_groups', 'tie_unit_alphas']


def split_arch_params(module: nn.Module | None,
                      skip: set[int] | None = None) -> tuple[list[nn.Parameter],
                                                             list[nn.Parameter]]:
    """``(α, ω)``: the trainable parameters of ``module``, in module order.

    ``skip`` holds ids of parameters to leave out (e.g. those of a nested scene module).
    """
    alphas: list[nn.Parameter] = []
    weights: list[nn.Parameter] = []
    if module is None:
        return alphas, weights
    skip = skip or set()
    for name, p in module.named_parameters():
        if p.requires_grad and id(p) not in skip:
            (alphas if is_arch_param(name) else weights).append(p)
    return alphas, weights


def side_groups(scene: nn.Module | None, task: nn.Module) -> dict[str, list[nn.Parameter]]:
    """The search's parameter groups of a scene side and a task side: ``scene_w``,
    ``scene_alpha``, and ``task_w``, ``task_alpha`` of ``task`` without the scene's
    parameters (the task module may hold the scene, e.g. in its data preprocessor)."""
    scene_alpha, scene_w = split_arch_params(scene)
    skip = {id(p) for p in scene.parameters()} if scene is not None else set()
    task_alpha, task_w = split_arch_params(task, skip)
    return dict(scene_w=scene_w, scene_alpha=scene_alpha, task_w=task_w, task_alpha=task_alpha)


def tie_unit_alphas(units: Sequence[SearchableUnit]) -> None:
    """Make every unit use the first unit's α (edge by edge); the weights stay per unit."""
    for unit in units[1:]:
        for edge, first in zip(unit.edges(), units[0].edges(), strict=True):
            edge.arch_alpha = first.arch_alpha
