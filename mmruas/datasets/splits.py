"""Name lists of data-set splits: writing seeded random splits and reading them back.

:func:`write_name_splits` draws the papers' random splits (RUAS-TPAMI §6.1: LOL 689 / 100,
MIT-Adobe 5K 500 / 100; §7: ExDark 5,200 / 1,200, DARK FACE 5,000 / 1,000, ACDC night
400 / 106) the same way on every machine: the names are sorted, permuted with
``numpy.random.RandomState(seed)`` and cut into the requested sizes. Each list is written
one name a line (usable as ``ann_file``) through :mod:`mmruas.utils.safe_io` (temp name and
rename: a reader never sees half a list). :func:`read_name_list` reads such a list back.
"""
from __future__ import annotations

import os
import os.path as osp
from collections.abc import Callable, Sequence

import numpy as np

from ..utils.safe_io import write_json, write_text

__all__ = ['write_name_splits', 'listed_names', 'read_name_list', 'select_listed']


def write_name_splits(names: Sequence[str], out_files: Sequence[str], sizes: Sequence[int],
                      seed: int, source: str, overwrite: bool = True,
                      info_file: str | None = None, info: dict | None = None
                      ) -> list[list[str]]:
    """Sort ``names``, permute them with ``numpy.random.RandomState(seed)``, cut them into
    ``sizes`` and write each part one name a line to its ``out_files`` entry (usable as
    ``ann_file``); returns the parts. ``source`` (the image folder) names errors.

    With ``overwrite=False`` an existing list (or ``info_file``) is refused before anything
    is written. ``info_file``: a JSON sidecar recording the seed, the sizes, the number of
    names drawn from, ``source``, the list files and ``info``'s entries.
    """
    if len(out_files) != len(sizes):
        raise ValueError(f'{len(out_files)} out_files for {len(sizes)} sizes')
    if any(int(s) < 0 for s in sizes):
        raise ValueError(f'sizes must be >= 0, got {list(sizes)}')
    names = sorted(names)
    if len(set(names)) != len(names):
        dup = next(n for n, m in zip(names, names[1:]) if n == m)
        raise ValueError(f'{source}: name {dup!r} occurs twice')
    if sum(sizes) > len(names):
        raise ValueError(f'sizes {list(sizes)} need {sum(sizes)} images, {source} has '
                         f'{len(names)}')
    outputs = list(out_files) + ([info_file] if info_file else [])
    if len(set(map(osp.abspath, outputs))) != len(outputs):
        raise ValueError(f'output files must differ, got {outputs}')
    if not overwrite:
        for path in outputs:
            if osp.exists(path):
                raise FileExistsError(f'{path} exists (pass --overwrite to replace it)')
    order = np.random.RandomState(seed).permutation(len(names))
    lists, start = [], 0
    for size in sizes:
        lists.append([names[i] for i in order[start:start + int(size)]])
        start += int(size)
    for path, chosen in zip(out_files, lists):
        os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
        write_text(path, ''.join(f'{n}\n' for n in chosen), overwrite=overwrite)  # atomically
    if info_file:
        meta = dict(seed=int(seed), total=len(names), source=source,
                    method='sorted names, numpy.random.RandomState(seed).permutation, '
                           'cut in order',
                    lists={osp.basename(p): len(c) for p, c in zip(out_files, lists)},
                    **(info or {}))
        write_json(info_file, meta, overwrite=overwrite)
    return lists


def listed_names(path: str, key: Callable[[str], str] | None = None) -> list[tuple[str, int]]:
    """``(key(name), line number)`` of every name an ``ann_file`` list holds: the first field
    of each line, ``#`` comments and blank lines skipped, ``\\`` read as ``/``; a missing
    file, or two lines whose names have the same key, raise naming the file and line."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'ann_file not found: {path}')
    names: list[tuple[str, int]] = []
    seen: dict[str, int] = {}
    with open(path, encoding='utf-8-sig') as f:
        for lineno, line in enumerate(f, start=1):
            line = line.split('#', 1)[0].strip()
            if not line:
                continue
            name = line.split()[0].replace('\\', '/')
            k = key(name) if key is not None else name
            if k in seen:
                raise ValueError(f'{path}:{lineno}: {name!r} already listed on line '
                                 f'{seen[k]}')
            seen[k] = lineno
            names.append((k, lineno))
    return names


def read_name_list(path: str) -> list[str]:
    """The names of an ``ann_file`` list (:func:`listed_names`); an empty list raises."""
    names = [name for name, _ in listed_names(path)]
    if not names:
        raise ValueError(f'ann_file lists no names: {path}')
    return names


def select_listed(infos: list[dict], ann_file: str, key: str) -> list[dict]:
    """The infos whose ``info[key]`` is listed in ``ann_file``, in the list's order; a listed
    name that matches no info raises ``FileNotFoundError`` naming the file and the name."""
    by_key = {info[key]: info for info in infos}
    chosen, missing = [], []
    for name in read_name_list(ann_file):
        (chosen.append(by_key[name]) if name in by_key else missing.append(name))
    if missing:
        raise FileNotFoundError(f'{ann_file}: {len(missing)} listed name(s) not found in the '
                                f'data set, e.g. {missing[0]!r}')
    return chosen
