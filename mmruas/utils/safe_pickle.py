"""One restricted unpickler for every pickle mmruas reads (prediction dumps).

``tools/test.py --out`` writes mmengine's ``DumpResults`` / mmdet's ``DumpDetResults``
pickles: lists of dicts (the data samples' ``to_dict()``) holding str/int/float/bool/
None, tuples, numpy arrays and scalars, and CPU torch tensors. A plain ``pickle.load``
calls whatever global a file names (``os.system`` through ``__reduce__``); this
unpickler resolves only the globals such dumps contain (listed in :data:`ALLOWED`) and
refuses every other one before it is called. Torch tensors pickle their storage as
``torch.storage._load_from_bytes(bytes)``, which calls ``torch.load(weights_only=False)``
on the bytes; it is replaced by :func:`_storage_from_bytes`, the same with
``weights_only=True``. Standard library pattern: "Restricting Globals" of the pickle docs.
"""
from __future__ import annotations

import importlib
import io
import os
import pickle
from typing import Any

__all__ = ['UnsafePickleError', 'RestrictedUnpickler', 'load_pickle', 'loads_pickle']


class UnsafePickleError(pickle.UnpicklingError):
    """The pickle names a global outside the allow-list (nothing was called)."""


def _storage_from_bytes(b: bytes) -> Any:
    import torch
    return torch.load(io.BytesIO(b), map_location='cpu', weights_only=True)


def _latin1_encode(obj: str, encoding: str = 'utf-8', errors: str = 'strict') -> bytes:
    """``_codecs.encode`` as protocol-2 pickles use it for bytes (latin-1 text only)."""
    if not isinstance(obj, str) or encoding not in ('latin1', 'latin-1'):
        raise UnsafePickleError(f'_codecs.encode({type(obj).__name__}, {encoding!r}) '
                                'is not allowed')
    return obj.encode(encoding, errors)


def _numpy_globals() -> dict[tuple[str, str], Any]:
    import numpy as np
    found: dict[tuple[str, str], Any] = {}
    for mod in ('numpy.core.multiarray', 'numpy._core.multiarray'):
        try:
            m = importlib.import_module(mod)
        except ImportError:
            continue
        found[(mod, '_reconstruct')] = m._reconstruct
        found[(mod, 'scalar')] = m.scalar
    for mod in ('numpy.core.numeric', 'numpy._core.numeric'):   # protocol-5 arrays
        try:
            found[(mod, '_frombuffer')] = importlib.import_module(mod)._frombuffer
        except (ImportError, AttributeError):
            continue
    found[('numpy', 'ndarray')] = np.ndarray
    found[('numpy', 'dtype')] = np.dtype
    dtypes = getattr(np, 'dtypes', None)   # numpy >= 1.25 pickles dtypes by their class
    for name in dir(dtypes) if dtypes is not None else ():
        if name.endswith('DType'):
            found[('numpy.dtypes', name)] = getattr(dtypes, name)
    return found


def _allowed() -> dict[tuple[str, str], Any]:
    import builtins
    import collections

    import torch
    table: dict[tuple[str, str], Any] = {
        ('builtins', name): getattr(builtins, name) for name in (
            'dict', 'list', 'tuple', 'set', 'frozenset', 'complex', 'bytearray', 'slice',
            'range')}
    table.update({
        ('collections', 'OrderedDict'): collections.OrderedDict,
        ('_codecs', 'encode'): _latin1_encode,
        ('torch._utils', '_rebuild_tensor_v2'): torch._utils._rebuild_tensor_v2,
        ('torch.storage', '_load_from_bytes'): _storage_from_bytes,
        ('torch', 'Size'): torch.Size,
        ('torch', 'device'): torch.device,
    })
    table.update(_numpy_globals())
    return table


ALLOWED: dict[tuple[str, str], Any] = {}


class RestrictedUnpickler(pickle.Unpickler):
    """Resolves only the globals of :data:`ALLOWED` (and torch dtypes); refuses others."""

    def find_class(self, module: str, name: str) -> Any:
        if not ALLOWED:
            ALLOWED.update(_allowed())
        if module == '__builtin__':   # protocol < 3 names (pickle's fix_imports)
            module = 'builtins'
        found = ALLOWED.get((module, name))
        if found is not None:
            return found
        if module == 'torch':
            import torch
            value = getattr(torch, name, None)
            if isinstance(value, torch.dtype):
                return value
        raise UnsafePickleError(f'refused global {module}.{name} (only numpy arrays, torch '
                                'tensors and plain Python values are accepted)')

    def persistent_load(self, pid: Any) -> Any:
        raise UnsafePickleError('refused persistent id (not a prediction dump)')


def loads_pickle(data: bytes) -> Any:
    """Unpickle ``data`` with :class:`RestrictedUnpickler`."""
    return RestrictedUnpickler(io.BytesIO(data)).load()


def load_pickle(path: str | os.PathLike) -> Any:
    """Load a pickle file with :class:`RestrictedUnpickler`.

    Raises :class:`UnsafePickleError` (``<path>: refused global ...``) for a file naming
    anything outside the allow-list, ``ValueError`` with a one-line reason for a corrupt
    or truncated one, and ``OSError`` (``FileNotFoundError``, ...) as ``open`` does.
    """
    with open(path, 'rb') as f:
        try:
            return RestrictedUnpickler(f).load()
        except UnsafePickleError as exc:
            raise UnsafePickleError(f'{os.fspath(path)}: {exc}') from None
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError,
                TypeError, ValueError, KeyError, RuntimeError, OverflowError,
                MemoryError) as exc:
            raise ValueError(f'not a readable pickle ({type(exc).__name__}: '
                             f'{str(exc)[:120]})') from None
