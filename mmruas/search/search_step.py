"""What a search hook tells a search model (the step's state; the gradients and their
optimiser steps are :mod:`mmruas.search.hypergradient`'s).

A search model (the enhancer's and the detection/segmentation search models of
:class:`~mmruas.search.CooperativeSearchMixin`, BGL's :class:`~mmruas.bgl.BGLModel`) mixes in
:class:`SearchStepMixin`. Its hook drives it through one method only: before every
iteration, :meth:`SearchStepMixin.set_search_step` says which phase(s) ``train_step`` runs
and hands the validation (upper-level) batch, plus what the model needs to know about
the schedule (β and the hypergradient order of cooperative search; the stream of extra
lower-level batches of BGL). The model keeps it in :attr:`SearchStepMixin.search_step`, a
:class:`SearchStep`.

Parameter groups (α and ω of each side, or BGL's upper and lower) are built once by the
model's :meth:`SearchStepMixin.build_search_groups`, checked (disjoint, every trainable
parameter in one group) and cached: :meth:`SearchStepMixin.search_groups` returns the
cached groups; :meth:`SearchStepMixin.reset_search_groups` rebuilds them after a change of
``requires_grad`` (e.g. the independent strategy's frozen scene).
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from torch import nn

from ..deprecated import moved_getattr

__all__ = ['SearchStep', 'SearchStepMixin', 'check_search_groups']


@dataclass(frozen=True)
class SearchStep:
    """One iteration's instructions to a search model.

    Attributes:
        phases: the phases ``train_step`` runs, in order (usually one).
        val_batch: the validation (upper-level) data batch; ``None`` for phases that
            need none.
        lower_batches: further lower-level (training) batches, for solvers that take
            several lower steps on fresh data (BGL's IBGL); ``None``: none.
    """

    phases: tuple[str, ...]
    val_batch: Any = None
    lower_batches: Iterator | None = None


def check_search_groups(model: nn.Module, groups: dict[str, list[nn.Parameter]]) -> None:
    """Raise unless ``groups`` are disjoint and cover every trainable parameter of ``model``."""
    ids = [id(p) for ps in groups.values() for p in ps]
    if len(ids) != len(set(ids)):
        raise RuntimeError(f'the search groups of {type(model).__name__} overlap')
    covered = set(ids)
    rest = [n for n, p in model.named_parameters() if p.requires_grad and id(p) not in covered]
    if rest:
        raise RuntimeError(f'parameters outside the search groups: {rest}')


class SearchStepMixin:
    """The hook-facing interface of a search model (module doc).

    A model sets :attr:`search_phases` and :attr:`val_free_phases`, defines
    :meth:`build_search_groups`, and calls :meth:`init_search_step` from ``__init__``.
    """

    #: every phase the model's ``train_step`` knows
    search_phases: ClassVar[tuple[str, ...]] = ()
    #: the phases that need no validation batch
    val_free_phases: ClassVar[tuple[str, ...]] = ('warmup',)
    #: the instructions of the current iteration (:meth:`set_search_step`)
    search_step: SearchStep

    def init_search_step(self, phase: str = 'warmup') -> None:
        """Start in ``phase`` (a validation-free one) with empty group cache."""
        self.search_step = SearchStep((phase,))
        self.search_groups_cache: dict[str, list[nn.Parameter]] | None = None

    def set_search_step(self, phase: str | Sequence[str], val_batch: Any = None, *,
                        lower_batches: Iterator | None = None, beta: float | None = None,
                        order: int | None = None) -> None:
        """What the next ``train_step`` does: ``phase`` (one of :attr:`search_phases`, or a
        sequence of them run in order) with the validation batch ``val_batch`` (required
        unless every phase is in :attr:`val_free_phases`); for solvers that draw them, the
        stream of extra lower-level batches; for cooperative search, β and the
        hypergradient order (``None``: unchanged; :meth:`set_search_settings`)."""
        phases = (phase,) if isinstance(phase, str) else tuple(phase)
        bad = [p for p in phases if p not in self.search_phases]
        if not phases or bad:
            raise ValueError(f'the search phase must be one of {self.search_phases} or a '
                             f'sequence of them, got {phase!r}')
        if val_batch is None and any(p not in self.val_free_phases for p in phases):
            raise RuntimeError(f'the {phase!r} phase needs a validation batch (val_batch of '
                               'set_search_step; CooperativeSearchHook / BGLHook give one)')
        self.search_step = SearchStep(phases, val_batch, lower_batches)
        if beta is not None or order is not None:
            self.set_search_settings(beta, order)

    def set_search_settings(self, beta: float | None = None, order: int | None = None) -> None:
        """β and the hypergradient order; a model whose search has neither refuses them."""
        raise TypeError(f'{type(self).__name__} has no beta / hypergradient order to set')

    def build_search_groups(self) -> dict[str, list[nn.Parameter]]:
        """*model*: the parameter groups by name (disjoint, complete)."""
        raise NotImplementedError

    def search_groups(self) -> dict[str, list[nn.Parameter]]:
        """The parameter groups, built and checked once (module doc)."""
        if self.search_groups_cache is None:
            groups = self.build_search_groups()
            check_search_groups(self, groups)
            self.search_groups_cache = groups
        return {k: list(v) for k, v in self.search_groups_cache.items()}

    def reset_search_groups(self) -> None:
        """Rebuild the groups on the next :meth:`search_groups` (after a ``requires_grad``
        change)."""
        self.search_groups_cache = None


__getattr__ = moved_getattr(__name__)  # 0.1 names (mmruas.deprecated)
