"""Helpers shared by the command-line tools: config loading with one-line errors.

Bad input to a tool (missing config, a directory given as config, an unknown
``--cfg-options`` key, missing files) ends with ``error: <what>`` on stderr and a
non-zero exit instead of a traceback; genuine bugs still show their traceback.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from typing import Any

from mmengine.config import Config, DictAction

__all__ = ['ToolError', 'load_config', 'run_tool', 'DictAction', 'end_distributed']


class ToolError(Exception):
    """A user-facing error: printed as one line, exit status 2."""


def _check_key(cfg: Mapping, dotted: str) -> None:
    """Raise ToolError unless ``dotted`` names an existing key of ``cfg``.

    Top-level keys that ``Runner.from_cfg`` understands may be added; nested keys
    must exist so that a typo (``train_cfg.max_iter``) is caught rather than silently
    added. List indices (``a.0.b``) are allowed where the value is a list/tuple.
    """
    import inspect

    from mmengine.runner import Runner

    parts = dotted.split('.')
    node: Any = cfg
    for depth, part in enumerate(parts):
        where = '.'.join(parts[:depth]) or '<config>'
        if isinstance(node, (list, tuple)):
            if not part.isdigit() or int(part) >= len(node):
                raise ToolError(f'--cfg-options key {dotted!r}: {where} is a list of '
                                f'{len(node)} items, {part!r} is not a valid index')
            node = node[int(part)]
            continue
        if not isinstance(node, (Mapping, Config)):  # a Config is not a Mapping
            raise ToolError(f'--cfg-options key {dotted!r}: {where} is not a dict')
        if part not in node:
            runner_args = inspect.signature(Runner.__init__).parameters
            if depth == 0 and (part in runner_args or part in ('launcher', 'env_cfg')):
                return
            known = ', '.join(sorted(map(str, node.keys()))[:12])
            raise ToolError(f'--cfg-options key {dotted!r} is not in the config '
                            f'({where} has: {known})')
        node = node[part]


def load_config(path: str, cfg_options: dict | None = None) -> Config:
    """Load a config file and merge ``--cfg-options`` strictly (see :func:`_check_key`)."""
    if not os.path.exists(path):
        raise ToolError(f'config file not found: {path}')
    if os.path.isdir(path):
        raise ToolError(f'config path is a directory, not a file: {path}')
    try:
        cfg = Config.fromfile(path)
    except (SyntaxError, ImportError, KeyError, ValueError, OSError) as exc:
        raise ToolError(f'cannot read config {path}: {type(exc).__name__}: {exc}') from exc
    if cfg_options:
        for key in cfg_options:
            _check_key(cfg, key)
        cfg.merge_from_dict(cfg_options)
    return cfg


def run_tool(main: Callable[[], int | None]) -> None:
    """Run a tool's ``main`` and turn ToolError (and missing files) into one line."""
    try:
        status = main()
    except ToolError as exc:
        print(f'error: {exc}', file=sys.stderr)
        sys.exit(2)
    except FileNotFoundError as exc:
        print(f'error: file not found: {exc.filename or exc}', file=sys.stderr)
        sys.exit(2)
    sys.exit(status or 0)


def end_distributed() -> None:
    """End a launched run's process group once its work is done: a process that exits with
    the group alive can abort in the gloo backend's teardown ("terminate called without an
    active exception", seen with torchrun on a loaded CPU)."""
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
