"""Genotypes: the discrete architecture of a searchable module as readable op names.

A :class:`Genotype` is a small immutable value: one operation name per edge, in
edge order. It is derived from α by arg-max (:func:`derive_genotypes`), saved to
and loaded from JSON/YAML, and can be written directly in a config as a list of
names, a dict ``dict(ops=[...])`` or the name of a released constant below.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from torch import nn

from ..utils.safe_io import write_text
from .operations import resolve_op_name

__all__ = ['Genotype', 'RELEASED_GENOTYPES', 'derive_genotypes', 'save_genotypes',
           'load_genotypes', 'IEM_LOL', 'NRM_LOL', 'DET_SCENE_DARKFACE',
           'DET_EXTRAS_DARKFACE', 'DET_REG_DARKFACE', 'DET_CLS_DARKFACE',
           'SEG_ASPP_DEEPLABV3PLUS']


@dataclass(frozen=True)
class Genotype:
    """Operation names per edge, e.g. the 7 edges o0..o6 of a distillation cell."""

    ops: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, 'ops', tuple(resolve_op_name(o) for o in self.ops))

    def __len__(self) -> int:
        return len(self.ops)

    def __iter__(self):
        return iter(self.ops)

    def __getitem__(self, i: int) -> str:
        return self.ops[i]

    def to_list(self) -> list[str]:
        return list(self.ops)

    @classmethod
    def coerce(cls, value: Any) -> Genotype:
        """From a Genotype, a list/tuple of names, ``dict(ops=...)`` or a released name."""
        if isinstance(value, Genotype):
            return value
        if isinstance(value, str):
            if value not in RELEASED_GENOTYPES:
                raise KeyError(f'unknown genotype name {value!r}; released genotypes: '
                               f'{", ".join(RELEASED_GENOTYPES)}')
            return RELEASED_GENOTYPES[value]
        if isinstance(value, Mapping):
            if 'ops' not in value:
                raise KeyError(f'a genotype dict needs the key "ops", got {sorted(value)}')
            return cls(tuple(value['ops']))
        if isinstance(value, Iterable):
            return cls(tuple(value))
        raise TypeError(f'cannot make a Genotype from {type(value).__name__}')


# Released RUAS genotypes (docs/method.md#genotypes), edges o0..o6 / per level.
IEM_LOL = Genotype(('skip_connect', 'resconv_1x1', 'resdilconv_3x3', 'conv_3x3', 'conv_3x3',
                    'skip_connect', 'conv_3x3'))
NRM_LOL = Genotype(('resconv_1x1', 'resconv_3x3', 'dilconv_3x3', 'resconv_1x1',
                    'resconv_3x3', 'conv_3x3', 'resconv_3x3'))
DET_SCENE_DARKFACE = Genotype(('skip_connect', 'conv_1x1', 'resconv_1x1', 'resconv_1x1',
                               'resconv_1x1', 'resconv_1x1', 'resconv_3x3'))
DET_EXTRAS_DARKFACE = Genotype(('conv_7x7', 'conv_7x7', 'conv_7x7', 'conv_3x3'))
DET_REG_DARKFACE = Genotype(('conv_7x7', 'dilconv_3x3', 'dilconv_3x3', 'dilconv_3x3',
                             'dilconv_3x3', 'conv_3x3'))
DET_CLS_DARKFACE = Genotype(('dilconv_3x3', 'conv_7x7', 'conv_7x7', 'conv_5x5',
                             'dilconv_5x5', 'conv_7x7'))
# Not a search result: DeepLab-v3+'s own ASPP convs (1×1 and atrous 3×3 at rates 6/12/18,
# output stride 16) written in the task space, the fixed starting point of the segmentation
# configs until a search replaces it (docs/method.md#task-edges: 3-6/12/18-DC are ASPP's rates).
SEG_ASPP_DEEPLABV3PLUS = Genotype(('conv_1x1', 'dilconv_3x3_d6', 'dilconv_3x3_d12',
                                   'dilconv_3x3_d18'))

RELEASED_GENOTYPES: dict[str, Genotype] = {
    'IEM_LOL': IEM_LOL,
    'NRM_LOL': NRM_LOL,
    'DET_SCENE_DARKFACE': DET_SCENE_DARKFACE,
    'DET_EXTRAS_DARKFACE': DET_EXTRAS_DARKFACE,
    'DET_REG_DARKFACE': DET_REG_DARKFACE,
    'DET_CLS_DARKFACE': DET_CLS_DARKFACE,
    'SEG_ASPP_DEEPLABV3PLUS': SEG_ASPP_DEEPLABV3PLUS,
}


def derive_genotypes(model: nn.Module) -> dict[str, Genotype]:
    """Arg-max genotype of every searchable module (``searchable`` and ``derive_genotype()``)."""
    found = {}
    for name, module in model.named_modules():
        if getattr(module, 'searchable', False) and hasattr(module, 'derive_genotype'):
            found[name] = module.derive_genotype()
    return found


def save_genotypes(genotypes: Mapping[str, Genotype], path: str) -> None:
    """Write ``{module name: [op names]}`` as JSON (``.json``) or YAML (``.yaml/.yml``)."""
    data = {k: Genotype.coerce(v).to_list() for k, v in genotypes.items()}
    if path.endswith(('.yaml', '.yml')):
        import yaml
        text = yaml.safe_dump(data, sort_keys=False)
    else:
        text = json.dumps(data, indent=2)
    write_text(path, text, overwrite=True)    # temp name, fsync, rename


def load_genotypes(path: str) -> dict[str, Genotype]:
    """Read a file written by :func:`save_genotypes`; errors name the file and key."""
    if not os.path.isfile(path):
        raise FileNotFoundError(path)
    with open(path) as f:
        if path.endswith(('.yaml', '.yml')):
            import yaml
            data = yaml.safe_load(f)
        else:
            data = json.load(f)
    if not isinstance(data, dict):
        raise ValueError(f'{path}: expected a mapping of module name -> op names')
    out = {}
    for key, ops in data.items():
        try:
            out[key] = Genotype.coerce(ops)
        except (KeyError, TypeError) as exc:
            raise ValueError(f'{path}: genotype {key!r}: {exc}') from exc
    return out
