"""The few fixes the pinned OpenMMLab stack (mmengine 0.10.7, mmcv 2.1.0, mmdet 3.3.0,
mmseg 1.2.2) needs on torch 2.14. Applied once by ``import mmruas``.

1. ``torch.load`` defaults to ``weights_only=True`` since torch 2.6, and mmengine
   checkpoints hold a few non-tensor objects (the message hub's ``HistoryBuffer``s,
   numpy arrays and scalars), so ``--resume`` fails with ``UnpicklingError``. We keep
   the safe loader on and allow-list exactly those types with
   ``torch.serialization.add_safe_globals``; any other global (e.g. an arbitrary
   callable in a malicious pickle) is still refused. A ``HistoryBuffer`` also pickles
   its statistics methods as ``getattr(HistoryBuffer, 'min')`` (``__builtin__ getattr``);
   the real ``getattr`` would open every attribute of every allowed type, so the name
   ``builtins.getattr`` is bound to :func:`history_buffer_getattr`, which resolves only
   those methods.
"""
from __future__ import annotations

import pickle

import numpy as np
import torch

_APPLIED = False

#: ``HistoryBuffer`` methods a pickled buffer refers to (its ``_statistics_methods``).
HISTORY_BUFFER_METHODS = frozenset({'min', 'max', 'current', 'mean'})


def history_buffer_getattr(obj: object, name: str):
    """``getattr`` restricted to ``HistoryBuffer``'s statistics methods (for unpickling)."""
    from mmengine.logging.history_buffer import HistoryBuffer

    if obj is HistoryBuffer and name in HISTORY_BUFFER_METHODS:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'weights_only load: getattr({obj!r}, {name!r}) is not allowed; only '
        f'HistoryBuffer.{{{",".join(sorted(HISTORY_BUFFER_METHODS))}}} are')


def checkpoint_safe_globals() -> list:
    """The non-tensor types an mmengine Runner checkpoint legitimately contains."""
    from mmengine.logging.history_buffer import HistoryBuffer

    try:  # numpy >= 2
        import numpy._core.multiarray as multiarray
    except (ImportError, AttributeError):
        import numpy.core.multiarray as multiarray
    types: list = [
        HistoryBuffer,
        np.ndarray,
        np.dtype,
        multiarray._reconstruct,
        multiarray.scalar,
    ]
    # numpy >= 1.25 pickles dtypes by their class (numpy.dtypes.Float64DType, ...).
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        types += [getattr(dtypes, name) for name in dir(dtypes) if name.endswith('DType')]
    # ``(callable, 'module.name')`` binds a pickled global name to a stand-in callable.
    types.append((history_buffer_getattr, 'builtins.getattr'))
    return types


def apply() -> None:
    """Apply every fix (idempotent)."""
    global _APPLIED
    if _APPLIED:
        return
    if hasattr(torch.serialization, 'add_safe_globals'):
        torch.serialization.add_safe_globals(checkpoint_safe_globals())
    _APPLIED = True
