"""Reading weights for evaluation and inference: safe, strict, one-line errors.

``torch.load(weights_only=True)`` (with the types :mod:`mmruas.compat` allows) reads a
checkpoint; a missing, truncated, corrupt or unsafe file is a :class:`ToolError` naming
it. :func:`check_state_dict` compares a checkpoint with a model: missing, unexpected and
shape-mismatched keys are an error naming a few of each, unless the caller asks for
lenient loading (the keys are then only reported). A checkpoint that fits none of the
model's keys is refused even when lenient: it would evaluate random weights.
"""
from __future__ import annotations

import os
import os.path as osp
import pickle
import zipfile
from collections.abc import Mapping
from typing import Any

import torch

from .cli import ToolError, config_errors

__all__ = ['read_checkpoint', 'checkpoint_state_dict', 'check_state_dict', 'load_weights',
           'build_model', 'build_test_dataset', 'find_resume_checkpoint', 'CHECKPOINT_ERRORS']

#: what ``torch.load`` raises for a file that is not a (safe) checkpoint
CHECKPOINT_ERRORS = (RuntimeError, EOFError, zipfile.BadZipFile, pickle.UnpicklingError,
                     ValueError, AttributeError, ImportError, IndexError, TypeError,
                     KeyError, OverflowError, MemoryError)


def read_checkpoint(path: str, what: str = 'checkpoint') -> Any:
    """``torch.load(path, weights_only=True)`` on CPU; ToolError names ``path``."""
    if not osp.exists(path):
        raise ToolError(f'{what} not found: {path}')
    if not osp.isfile(path):
        raise ToolError(f'{what} {path}: not a file')
    try:
        return torch.load(path, map_location='cpu', weights_only=True)
    except CHECKPOINT_ERRORS as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0].split('. ')[0]
        first = first[:160]
        raise ToolError(f'{what} {path}: truncated, corrupt or unsafe file '
                        f'({type(exc).__name__}: {first})') from None
    except OSError as exc:
        raise ToolError(f'{what} {path}: cannot read ({exc.strerror or exc})') from None


def checkpoint_state_dict(ckpt: Any, path: str, what: str = 'checkpoint') -> dict:
    """The state dict of an mmengine checkpoint (or a bare one), ``module.`` stripped as
    mmengine's ``load_checkpoint`` does."""
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, Mapping) else ckpt
    if not isinstance(state, Mapping) or not all(
            isinstance(v, torch.Tensor) for v in state.values()):
        raise ToolError(f'{what} {path}: holds no state dict of tensors '
                        f'(a {type(state).__name__})')
    return {(k[len('module.'):] if k.startswith('module.') else k): v
            for k, v in state.items()}


def _few(keys: list[str], n: int = 3) -> str:
    return ', '.join(keys[:n]) + (f', ... ({len(keys)} in all)' if len(keys) > n else '')


def check_state_dict(model: torch.nn.Module, state: Mapping, path: str, *,
                     strict: bool = True, what: str = 'checkpoint') -> str:
    """Compare ``state`` with ``model``'s; raise ToolError on any difference when
    ``strict`` (always when no key fits). Returns the difference ('' if none)."""
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    shapes = sorted(k for k in set(own) & set(state)
                    if tuple(own[k].shape) != tuple(state[k].shape))
    parts = [f'{what_}: {_few(keys)}' for what_, keys in
             (('missing keys', missing), ('unexpected keys', unexpected),
              ('shape mismatches', shapes)) if keys]
    text = '; '.join(parts)
    if own and len(missing) + len(shapes) >= len(own):
        raise ToolError(f'{what} {path} does not fit the model: no key of it fits '
                        f'({text})')
    if text and strict:
        raise ToolError(f'{what} {path} does not fit the model ({text}); give --lenient '
                        'to load the keys that fit')
    return text


def load_weights(model: torch.nn.Module, path: str, *, strict: bool = True,
                 what: str = 'checkpoint') -> dict:
    """Load ``path`` into ``model`` (see :func:`check_state_dict`); returns the checkpoint.

    Lenient loading takes the keys of matching shape and reports the others on stderr.
    """
    ckpt = read_checkpoint(path, what)
    state = checkpoint_state_dict(ckpt, path, what)
    text = check_state_dict(model, state, path, strict=strict, what=what)
    if text:
        import sys
        print(f'warning: {what} {path} loaded leniently: {text}', file=sys.stderr)
        own = model.state_dict()
        state = {k: v for k, v in state.items()
                 if k in own and tuple(own[k].shape) == tuple(v.shape)}
    model.load_state_dict(state, strict=not text)
    return ckpt if isinstance(ckpt, dict) else {'state_dict': state}


def build_model(cfg) -> torch.nn.Module:
    """``cfg.model`` built in the config's default scope; a bad value (an unknown type
    or variant) is a ToolError naming the config key ``model``."""
    from mmengine.registry import MODELS, DefaultScope

    with config_errors('cannot build the config\'s model'), \
            DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'mmruas')):
        return MODELS.build(cfg.model)


def build_test_dataset(cfg, name: str = '', **overrides):
    """``cfg.test_dataloader.dataset`` (its keys updated by ``overrides``) built in the
    config's default scope (mmdet when unset); a config without one is a ToolError, prefixed
    with ``name`` (the config's file) when given."""
    from mmengine.registry import DATASETS, DefaultScope

    ds_cfg = cfg.get('test_dataloader', {}).get('dataset')
    if not ds_cfg:
        raise ToolError(f'{name + ": " if name else ""}the config has no '
                        'test_dataloader.dataset')
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'mmdet')):
        return DATASETS.build(dict(ds_cfg, **overrides))


def _step_of(name: str) -> int:
    """The number of ``iter_12.pth`` / ``epoch_3.pth`` (-1 for other names)."""
    stem = osp.splitext(name)[0]
    tail = stem.rsplit('_', 1)[-1]
    return int(tail) if tail.isdigit() else -1


def find_resume_checkpoint(work_dir: str) -> tuple[str | None, str]:
    """``(checkpoint, note)`` to resume ``work_dir`` from.

    The file ``last_checkpoint`` names when it is a complete (readable) checkpoint, with
    an empty note; otherwise the newest complete ``*.pth`` of ``work_dir`` (by the step in
    its name, then by time) with a note saying why, or ``None`` when there is none.
    """
    record = osp.join(work_dir, 'last_checkpoint')
    named = ''
    if osp.isfile(record):
        with open(record) as f:
            named = f.read().strip()
    problem = f'{record} is missing' if not osp.isfile(record) else (
        f'{record} is empty' if not named else '')
    if named:
        try:
            read_checkpoint(named)
            return named, ''
        except ToolError as exc:
            problem = f'{record} names an unusable checkpoint ({exc})'
    candidates = sorted(
        (p for p in (osp.join(work_dir, n) for n in os.listdir(work_dir)
                     if n.endswith('.pth') and not n.startswith('.'))
         if osp.isfile(p) and osp.abspath(p) != osp.abspath(named or '')),
        key=lambda p: (_step_of(osp.basename(p)), osp.getmtime(p)), reverse=True
    ) if osp.isdir(work_dir) else []
    for path in candidates:
        try:
            read_checkpoint(path)
        except ToolError:
            continue
        return path, f'{problem}; resuming from the newest complete checkpoint {path}'
    return None, f'{problem}; no complete checkpoint in {work_dir}'
