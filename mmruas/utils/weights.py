"""The weight files a config reads: listed, checked before a run, never downloaded.

mmengine reads ``init_cfg=dict(type='Pretrained', checkpoint=...)`` only when a Runner
initialises the weights — after building the model, creating the work dir and logging —
and downloads it when the path is a URL (``https://``, ``open-mmlab://``, ...). mmruas
reads weights from local files only: :func:`check_weight_files` finds every weight file
of a config up front and fails with one message naming each missing file and its config
key, or each URL.
"""
from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import Any

from .cli import ToolError

__all__ = ['weight_files', 'check_weight_files', 'clear_scene_checkpoints']

#: keys whose (string) value is a weight file wherever they sit in the model config
FILE_KEYS = ('scene_checkpoint', 'pretrained')


def _is_pretrained(node: Mapping) -> bool:
    kind = node.get('type')
    return isinstance(kind, str) and kind.rsplit('.', 1)[-1] == 'Pretrained'


def _walk(node: Any, key: str) -> Iterator[tuple[str, Any]]:
    if isinstance(node, Mapping):
        if _is_pretrained(node):
            yield f'{key}.checkpoint', node.get('checkpoint')
        for k, v in node.items():
            if k in FILE_KEYS and (isinstance(v, str) or (k == 'scene_checkpoint'
                                                            and v is not None)):
                yield f'{key}.{k}', v
            elif isinstance(v, (Mapping, list, tuple)):
                yield from _walk(v, f'{key}.{k}')
    elif isinstance(node, (list, tuple)):
        for i, v in enumerate(node):
            yield from _walk(v, f'{key}.{i}')


def weight_files(cfg: Mapping) -> list[tuple[str, Any]]:
    """``(config key, path)`` of every weight file ``cfg`` makes a run read.

    The ``checkpoint`` of each ``init_cfg`` of type ``Pretrained`` (``None`` included: such
    an init cannot run), every ``scene_checkpoint`` and string ``pretrained`` in ``model``,
    and ``load_from``.
    """
    found = list(_walk(cfg.get('model'), 'model'))
    if cfg.get('load_from') is not None:
        found.append(('load_from', cfg.get('load_from')))
    return found


def check_weight_files(cfg: Mapping) -> None:
    """Raise :class:`ToolError` unless every weight file of ``cfg`` is a local file.

    The one-line message names each missing file, URL or empty ``Pretrained`` checkpoint
    with its config key (e.g. ``model.backbone.init_cfg.checkpoint``).
    """
    problems = []
    for key, path in weight_files(cfg):
        if not isinstance(path, (str, os.PathLike)) or not str(path):
            problems.append(f'{key} is {path!r}: a Pretrained init needs a file (set the '
                            'init_cfg to None for random initialisation)')
        elif '://' in str(path):
            problems.append(f'{key} is the URL {str(path)!r}: mmruas never downloads '
                            'weights at run time; download the file once and give its '
                            'local path')
        elif not os.path.isfile(local := os.path.expanduser(str(path))):
            what = 'a directory' if os.path.isdir(local) else 'not found'
            problems.append(f'{key} file {str(path)!r}: {what}')
    if problems:
        raise ToolError(f'weight file(s) unavailable: {"; ".join(problems)} (set local '
                        'paths with --cfg-options KEY=PATH)')


def clear_scene_checkpoints(node: Any) -> int:
    """Set every ``scene_checkpoint`` under ``node`` (a model config) to ``None`` in place.

    For tools that run a model on random weights (benchmarks). Returns how many were set.
    """
    count = 0
    if isinstance(node, Mapping):
        for k in list(node.keys()):
            if k == 'scene_checkpoint' and node[k] is not None:
                node[k] = None
                count += 1
            else:
                count += clear_scene_checkpoints(node[k])
    elif isinstance(node, (list, tuple)):
        count += sum(clear_scene_checkpoints(v) for v in node)
    return count
