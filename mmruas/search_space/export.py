"""From a searched model to files and configs: genotype config overrides, the retrain
config, the α history (RUAS-TPAMI §4.1: the derived architecture is the arg-max op of
every edge).

* :func:`genotype_overrides`: the derived genotypes of a module as nested config overrides;
  every key comes from the module that declares it
  (:meth:`~mmruas.search_space.unit.GenotypeConfigurable.genotype_units`), e.g.
  ``dict(neck=dict(genotype=[...]), bbox_head=dict(reg_genotype=[...]))``;
* :func:`scene_genotype_cfg`: a RUAS scene's ``iem.genotype`` / ``nrm.genotype`` (one
  genotype for all cells of a part; :func:`genotype_for_config` if they disagree);
* :func:`write_retrain_config`: a config file inheriting a base and setting ``model``;
* :func:`alpha_history_entry`: α, candidates and edge names of every searchable unit.

``genotypes.json`` itself is :func:`~mmruas.search_space.genotype.save_genotypes` of
:func:`~mmruas.search_space.genotype.derive_genotypes`.
"""
from __future__ import annotations

import keyword
import logging
from collections import Counter
from collections.abc import Mapping
from typing import Any

from mmengine.logging import print_log
from torch import nn

from ..utils.safe_io import write_text
from .cell import DistillationCell
from .genotype import Genotype
from .unit import GenotypeConfigurable, SearchableUnit, searchable_units

__all__ = ['genotype_overrides', 'scene_genotype_cfg', 'genotype_for_config', 'format_cfg',
           'write_retrain_config', 'alpha_history_entry', 'RUAS_SCENE_PARTS']

#: the parts of a RUAS scene module that take one genotype for all their cells
RUAS_SCENE_PARTS = ('iem', 'nrm')


def genotype_overrides(module: nn.Module, exclude: nn.Module | None = None) -> dict[str, Any]:
    """Config overrides of the derived genotypes of ``module``'s declared units.

    Every searchable unit must be declared by a :class:`GenotypeConfigurable` module in
    ``module`` (or lie in ``exclude``, e.g. a scene handled by :func:`scene_genotype_cfg`);
    an undeclared one raises ``ValueError`` (its genotype would be lost).
    """
    cfg: dict[str, Any] = {}
    declared: set[int] = set()
    for name, owner in module.named_modules():
        if not isinstance(owner, GenotypeConfigurable):
            continue
        for key, unit in owner.genotype_units().items():
            declared.add(id(unit))
            if not unit.searchable:
                continue
            node = cfg
            for part in name.split('.') if name else []:
                node = node.setdefault(part, {})
            node[key] = unit.derive_genotype().to_list()
    skip = {id(u) for u in searchable_units(exclude)}
    names = {id(m): n for n, m in module.named_modules()}
    lost = [names[id(u)] for u in searchable_units(module)
            if id(u) not in declared and id(u) not in skip]
    if lost:
        raise ValueError(f'searchable units {lost} have no config key: the module that builds '
                         'each must declare it in genotype_units()')
    return cfg


def genotype_for_config(genotypes: list[Genotype]) -> tuple[Genotype, bool]:
    """One genotype for a list of units: ``(genotype, all units agree)``; else per-edge
    majority (ties: the earliest unit)."""
    if not genotypes:
        raise ValueError('no genotypes')
    if all(g == genotypes[0] for g in genotypes):
        return genotypes[0], True
    ops = []
    for edge in zip(*genotypes):
        counts = Counter(edge)
        best = max(counts.values())
        ops.append(next(o for o in edge if counts[o] == best))
    return Genotype(tuple(ops)), False


def scene_genotype_cfg(scene: nn.Module) -> dict[str, dict[str, list[str]]]:
    """Config overrides of a RUAS scene module's derived genotypes (RUAS-TPAMI §4.1).

    A RUAS config has one genotype for all IEM cells and one for all NRM cells:
    ``{'iem': {'genotype': [...]}, 'nrm': {'genotype': [...]}}`` for the parts with
    searchable cells. Untied cells that disagree give the per-edge majority, with a warning.
    """
    cfg: dict[str, dict[str, list[str]]] = {}
    for key in RUAS_SCENE_PARTS:
        cells = searchable_units(getattr(scene, key, None), DistillationCell)
        if not cells:
            continue
        geno, agree = genotype_for_config([c.derive_genotype() for c in cells])
        if not agree:
            print_log(f'[search] the {key.upper()} cells differ; the retrain config uses the '
                      'per-edge majority genotype', logger='current', level=logging.WARNING)
        cfg[key] = dict(genotype=geno.to_list())
    return cfg


def format_cfg(value: Any, indent: int = 0) -> str:
    """Python source of a config value; nested dicts with identifier keys as ``dict(k=v)``."""
    if (isinstance(value, Mapping) and value
            and all(isinstance(k, str) and k.isidentifier() and not keyword.iskeyword(k)
                    for k in value)):
        pad = ' ' * (indent + 4)
        items = ',\n'.join(f'{pad}{k}={format_cfg(v, indent + 4)}' for k, v in value.items())
        return f'dict(\n{items})'
    if isinstance(value, Mapping):
        return repr({k: v for k, v in value.items()})
    return repr(value)


def write_retrain_config(path: str, base: str, model: Mapping[str, Any], note: str) -> None:
    """Write (atomically) a config inheriting ``base`` with ``model = <model>``; ``note``
    becomes its first comment line."""
    text = (f'# {note}\n'
            f'_base_ = [{base!r}]\n\n'
            f'model = {format_cfg(dict(model))}\n')
    write_text(path, text, overwrite=True)


def alpha_history_entry(model: nn.Module) -> dict[str, dict[str, list]]:
    """``alphas``, ``candidates`` and ``edges`` (edge names) of every searchable unit of
    ``model``, by module name."""
    units = {n: m for n, m in model.named_modules()
             if isinstance(m, SearchableUnit) and m.searchable}
    return dict(alphas={n: u.arch_alphas().detach().cpu().tolist() for n, u in units.items()},
                candidates={n: list(u.candidates) for n, u in units.items()},
                edges={n: list(u.edge_names()) for n, u in units.items()})
