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

__all__ = ['split_arch_params', 'tie_unit_alphas']


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


def tie_unit_alphas(units: Sequence[SearchableUnit]) -> None:
    """Make every unit use the first unit's α (edge by edge); the weights stay per unit."""
    for unit in units[1:]:
        for edge, first in zip(unit.edges(), units[0].edges(), strict=True):
            edge.arch_alpha = first.arch_alpha
