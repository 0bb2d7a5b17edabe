"""Searchable units and the modules that configure them (RUAS-TPAMI §4.1).

A *searchable unit* is a module whose edges are :class:`~mmruas.search_space.MixedOp`\\ s
while searching and fixed operations once a genotype is given: a distillation cell, the
searched convs of an SSD neck, a head's ``reg_convs``, the ASPP convolutions. One genotype
lists one operation per edge, in the order of :meth:`SearchableUnit.edge_names`.

A module built from a config with genotype arguments (a neck, a head, a decode head)
*declares* which of its units each argument builds (:meth:`GenotypeConfigurable.genotype_units`),
so that the derived genotypes become config overrides without guessing from module names
(:func:`~mmruas.search_space.export.genotype_overrides`).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import torch
from torch import nn

from .genotype import Genotype

__all__ = ['SearchableUnit', 'EdgeList', 'GenotypeConfigurable', 'searchable_units']


class SearchableUnit:
    """Mixin of an ``nn.Module`` whose searchable edges form one genotype.

    Implementers set ``searchable`` and define :meth:`edge_names`; everything else follows.
    """

    searchable: bool

    def edge_names(self) -> tuple[str, ...]:
        """The edges' module names relative to the unit, in genotype order."""
        raise NotImplementedError

    def edges(self) -> list[nn.Module]:
        """The edge modules, in genotype order."""
        return [self.get_submodule(name) for name in self.edge_names()]

    def _require_searchable(self) -> None:
        if not self.searchable:
            raise RuntimeError(f'a fixed {type(self).__name__} has no architecture parameters')

    @property
    def candidates(self) -> tuple[str, ...]:
        """The search space of the edges (searchable units only)."""
        self._require_searchable()
        return self.edges()[0].candidates

    def arch_alphas(self) -> torch.Tensor:
        """α of the edges stacked (edges × operations); searchable units only."""
        self._require_searchable()
        return torch.stack([e.arch_alpha for e in self.edges()])

    def derive_genotype(self) -> Genotype:
        """The arg-max operation of every edge (the derived architecture)."""
        self._require_searchable()
        return Genotype(tuple(e.derive() for e in self.edges()))


class EdgeList(SearchableUnit, nn.ModuleList):
    """A ``ModuleList`` of edges that is one searchable unit (e.g. a head's reg convs)."""

    def __init__(self, edges: Iterable[nn.Module], searchable: bool) -> None:
        nn.ModuleList.__init__(self, edges)
        self.searchable = searchable

    def edge_names(self) -> tuple[str, ...]:
        return tuple(str(i) for i in range(len(self)))


class GenotypeConfigurable:
    """Mixin of a configured module whose genotype arguments build searchable units."""

    def genotype_units(self) -> dict[str, SearchableUnit]:
        """``{config key of this module: the unit that key's genotype builds}``, e.g.
        ``{'reg_genotype': self.reg_convs, 'cls_genotype': self.cls_convs}``."""
        raise NotImplementedError


def searchable_units(module: nn.Module | None,
                     kind: type | Sequence[type] = SearchableUnit) -> list[nn.Module]:
    """The searchable units of type ``kind`` in ``module`` (each once, in module order)."""
    if module is None:
        return []
    kinds = tuple(kind) if isinstance(kind, Sequence) else (kind,)
    units: list[nn.Module] = []
    seen: set[int] = set()
    for m in module.modules():
        if isinstance(m, kinds) and m.searchable and id(m) not in seen:
            seen.add(id(m))
            units.append(m)
    return units
