"""Helpers shared by the command-line tools: config loading with one-line errors.

Bad input to a tool (missing config, a directory given as config, an unknown
``--cfg-options`` key, missing files) ends with ``error: <what>`` on stderr and a
non-zero exit instead of a traceback; genuine bugs still show their traceback.
"""
from __future__ import annotations

import contextlib
import copy
import math
import os
import os.path as osp
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from mmengine.config import Config
from mmengine.config import DictAction as _MMEngineDictAction

__all__ = ['ToolError', 'DataError', 'ImageReadError', 'load_config', 'run_tool',
           'DictAction', 'end_distributed', 'config_errors']


class ToolError(Exception):
    """A user-facing error: printed as one line, exit status 2."""


class DataError(ToolError, ValueError):
    """A data set sample that does not fit its pipeline (a ground truth of another size
    than its input, an image smaller than the crop); the message names the file. A
    ``ValueError`` for API callers, one ``error:`` line for the tools."""


class WriteError(ToolError, OSError):
    """A write that failed (full disk, I/O error) after which nothing was lost; the message
    names the file and what stayed intact. An ``OSError`` for API callers and hooks, one
    ``error:`` line for the tools."""


class ImageReadError(ToolError, OSError):
    """An image file that cannot be decoded (empty, truncated, unsupported); the message
    names the file. An ``OSError`` for API callers, one ``error:`` line for the tools
    (also when re-raised from a DataLoader worker, which drops ``OSError.filename``)."""


class DictAction(_MMEngineDictAction):
    """mmengine's ``DictAction`` (``KEY=VALUE`` items, lists and tuples parsed) whose
    malformed items (no ``=``, an empty key, unbalanced brackets) raise a one-line
    :class:`ToolError` naming the item instead of a ``ValueError`` traceback."""

    def __call__(self, parser, namespace, values: str | Sequence[Any] | None,
                 option_string: str | None = None) -> None:
        option = option_string or '/'.join(self.option_strings) or self.dest
        options = copy.copy(getattr(namespace, self.dest, None) or {})
        for item in ([values] if isinstance(values, str) else values or ()):
            key, sep, text = str(item).partition('=')
            if not sep or not key.strip():
                raise ToolError(f'{option} {item!r}: expected KEY=VALUE '
                                '(e.g. train_cfg.max_iters=10)')
            try:
                options[key] = self._parse_iterable(text)
            except (AssertionError, ValueError, IndexError) as exc:
                raise ToolError(f'{option} {item!r}: cannot parse the value '
                                f'({_one_line(exc)})') from None
        setattr(namespace, self.dest, options)


#: ``--cfg-options`` keys (last part) whose value must be an integer >= the bound
POSITIVE_KEYS = {'batch_size': 1, 'max_iters': 1, 'max_epochs': 1, 'val_interval': 1,
                 'num_workers': 0, 'max_keep_ckpts': -1}
#: ``--cfg-options`` keys (last part) that are sizes: an integer >= 1 or a list of them
SIZE_KEYS = frozenset({
    'width', 'num_stages', 'num_cells', 'num_layers', 'num_blocks', 'num_scales', 'depth',
    'channels', 'in_channels', 'out_channels', 'base_channels', 'mid_channels',
    'feat_channels', 'num_classes', 'crop_size', 'window_size'})


def _non_finite(value: Any) -> bool:
    """Whether ``value`` is (or a list / dict holds) a NaN or infinite number."""
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, (list, tuple)):
        return any(map(_non_finite, value))
    if isinstance(value, Mapping):
        return any(map(_non_finite, value.values()))
    return False


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_bounds(dotted: str, old: Any, new: Any) -> bool:
    """Raise ToolError for a non-finite number or a size that is not an integer >= 1.
    Returns True when ``new`` is a valid size where ``old`` is a list of them (a crop
    size may be one int or ``(h, w)``), so that the type check is skipped."""
    last = dotted.rsplit('.', 1)[-1]
    if _non_finite(new):
        raise ToolError(f'--cfg-options {dotted}={new!r}: must be a finite number (no NaN or '
                        'infinity)')
    items = list(new) if isinstance(new, (list, tuple)) else [new]
    if last not in SIZE_KEYS or not items or not all(map(_is_number, items)):
        return False
    if not all(float(v).is_integer() and v >= 1 for v in items):
        raise ToolError(f'--cfg-options {dotted}={new!r}: a size, must be an integer >= 1'
                        + (' (or a list of them)' if len(items) > 1 else ''))
    return isinstance(old, (list, tuple)) and all(isinstance(v, int) for v in items)


def _type_name(value: Any) -> str:
    return {bool: 'a boolean', int: 'an integer', float: 'a number', str: 'a string',
            list: 'a list', tuple: 'a list', dict: 'a dict'}.get(type(value),
                                                                 type(value).__name__)


def _check_value(dotted: str, old: Any, new: Any) -> None:
    """Raise ToolError when ``new`` does not have the type of the config's ``old`` value
    (an int where an int is, a number where a float is, ...) or breaks a bound."""
    last = dotted.rsplit('.', 1)[-1]
    if _check_bounds(dotted, old, new):
        return
    if new is not None and isinstance(old, Mapping) and not isinstance(new, Mapping):
        raise ToolError(f'--cfg-options {dotted}={new!r}: expected a dict like the config\'s '
                        f'{dotted} (set its keys one by one, e.g. {dotted}.type=...), got '
                        f'{_type_name(new)}')
    if new is not None and old is not None:
        if isinstance(old, bool):
            ok = isinstance(new, bool)
        elif isinstance(old, int):
            ok = isinstance(new, int) and not isinstance(new, bool)
        elif isinstance(old, float):
            ok = isinstance(new, (int, float)) and not isinstance(new, bool)
        elif isinstance(old, str):
            ok = isinstance(new, str)
        elif isinstance(old, (list, tuple)):
            ok = isinstance(new, (list, tuple))
        else:
            ok = True   # dicts, objects: the builder checks them
        if not ok:
            raise ToolError(f'--cfg-options {dotted}={new!r}: expected {_type_name(old)} '
                            f'like the config\'s {old!r}, got {_type_name(new)}')
    if last in POSITIVE_KEYS and isinstance(new, (int, float)) and not isinstance(new, bool):
        low = POSITIVE_KEYS[last]
        if new < low or (isinstance(new, float) and not float(new).is_integer()):
            raise ToolError(f'--cfg-options {dotted}={new!r}: must be an integer >= {low}')


def _lookup(cfg: Mapping, dotted: str) -> Any:
    node: Any = cfg
    for part in dotted.split('.'):
        try:
            node = node[int(part)] if isinstance(node, (list, tuple)) else node[part]
        except (KeyError, IndexError, ValueError, TypeError):
            return None
    return node


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
        for key, value in cfg_options.items():
            _check_key(cfg, key)
            _check_value(key, _lookup(cfg, key), value)
        cfg.merge_from_dict(cfg_options)
    return cfg


def _one_line(exc: BaseException) -> str:
    text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    return (text.strip().splitlines() or [type(exc).__name__])[0][:300]


def _built_class(exc: BaseException) -> str | None:
    """The class a registry was building (innermost ``build_from_cfg``) when ``exc`` was
    raised, or None when it was not raised inside a registry build."""
    tb, found = exc.__traceback__, None
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_name == 'build_from_cfg' and code.co_filename.endswith(
                osp.join('registry', 'build_functions.py')):
            found = _class_name(tb.tb_frame.f_locals)
        tb = tb.tb_next
    return found


def _class_name(local: Mapping) -> str:
    """The class ``build_from_cfg`` was building (its ``obj_cls``, else its ``cfg``'s
    ``type``); a ``cfg`` that is not a dict (``model=[1, 2]``) is shown as it is."""
    name = getattr(local.get('obj_cls'), '__name__', None)
    if name:
        return name
    cfg = local.get('cfg')
    if isinstance(cfg, Mapping):
        return str(cfg.get('type', '?'))
    return f'{_type_name(cfg)} {cfg!r}'[:80]


@contextlib.contextmanager
def config_errors(what: str = 'config') -> Iterator[None]:
    """Turn the errors of building from a config (an unknown type or variant, an unreadable
    or mismatched ``scene_checkpoint``, a wrong argument) into one-line ToolErrors.

    Only ValueError, TypeError, KeyError and AssertionError raised while a registry built
    an object (inside mmengine's ``build_from_cfg``) are converted, naming that object's
    class; other exceptions keep their traceback.
    """
    try:
        yield
    except (ValueError, TypeError, KeyError, AssertionError) as exc:
        cls = _built_class(exc)
        if cls is None:
            raise
        raise ToolError(f'{what}: building {cls}: {_one_line(exc)}') from None


def _decoded_file(exc: UnicodeDecodeError) -> str:
    """The name of the text file being read when ``exc`` was raised (the innermost frame
    holding an open text file), else 'a text file'."""
    import io
    tb, name = exc.__traceback__, 'a text file'
    while tb is not None:
        for value in tb.tb_frame.f_locals.values():
            if isinstance(value, io.TextIOWrapper) and isinstance(value.name, str):
                name = value.name
        tb = tb.tb_next
    return name


def _message(exc: BaseException) -> str:
    """``exc``'s message as one line. An exception re-raised from a DataLoader worker
    carries the worker's whole traceback ('Caught X in DataLoader worker process 0.
    Original Traceback ... pkg.X: message'): its last line's message is taken."""
    text = str(exc)
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if len(lines) > 1 and 'Original Traceback' in text:
        head, sep, rest = lines[-1].partition(': ')
        return rest if sep and ' ' not in head else lines[-1]
    return lines[0] if lines else type(exc).__name__


def run_tool(main: Callable[[], int | None]) -> None:
    """Run a tool's ``main`` and turn ToolError, missing files and other OS errors naming
    a file into one line (exit status 2); other exceptions keep their traceback."""
    try:
        status = main()
    except ToolError as exc:
        print(f'error: {_message(exc)}', file=sys.stderr)
        sys.exit(2)
    except FileNotFoundError as exc:
        print(f'error: file not found: {exc.filename or _message(exc)}', file=sys.stderr)
        sys.exit(2)
    except OSError as exc:
        if not exc.filename:
            raise
        print(f'error: {exc.filename}: {exc.strerror or exc}', file=sys.stderr)
        sys.exit(2)
    except UnicodeDecodeError as exc:   # a label file in Latin-1 / UTF-16 read as UTF-8
        print(f'error: {_decoded_file(exc)}: not {exc.encoding} text ({exc.reason} at byte '
              f'{exc.start}); convert it to UTF-8', file=sys.stderr)
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
