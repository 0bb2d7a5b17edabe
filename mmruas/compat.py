"""The few fixes the pinned OpenMMLab stack (mmengine 0.10.7, mmcv 2.1.0, mmdet 3.3.0,
mmseg 1.2.2) needs on torch 2.14, each applied only where it is needed
(tests/integration/runner/test_compat.py shows each stock failure):

* fix 1 by ``import mmruas`` (:func:`apply`): any run may load a checkpoint;
* fix 2 by ``tools/train.py`` / ``tools/test.py`` for a launched run on a machine without an
  accelerator (:func:`enable_cpu_distributed`), so nobody else gets mmengine patched.

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
2. On a machine without CUDA (or NPU/MLU/MUSA), mmengine's ``pytorch`` launcher calls
   ``torch.cuda.set_device`` (torch 2.14: "Found no NVIDIA driver") and the Runner wraps
   the CPU model in DDP with ``device_ids=[LOCAL_RANK]``, which DDP refuses for CPU
   modules; so ``tools/dist_train.sh`` could not run on CPU. Without an accelerator we
   skip ``set_device``, use ``gloo`` where the config asks for ``nccl`` (stock mmdet and
   mmseg configs do; NCCL needs GPUs), and drop ``device_ids`` for CPU modules.

The third fix of 0.1, a patch of mmdet's ``SSDHead`` so that it predicts, is now a
registered subclass in the mmdet adapter (:class:`mmruas.det.SoftmaxSSDHead`): nobody
else's class changes (docs/compatibility.md).
"""
from __future__ import annotations

import pickle
import warnings

import numpy as np
import torch

_APPLIED = False
_CPU_DISTRIBUTED = False

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


def has_accelerator() -> bool:
    """Whether a device mmengine's launcher and AMP know (CUDA, NPU, MLU, MUSA) is present."""
    from mmengine import device

    return (device.is_cuda_available() or device.is_npu_available()
            or device.is_mlu_available() or device.is_musa_available())


def patch_cpu_distributed() -> None:
    """Let mmengine's ``pytorch`` launcher and DDP wrapper run on CPU (see fix 2)."""
    import mmengine.dist.utils as dist_utils
    from mmengine.model.wrappers.distributed import MMDistributedDataParallel

    # An mmengine private name, on purpose: ``init_dist`` calls this module-level function
    # for the ``pytorch`` launcher and offers no other way to skip ``set_device`` on CPU.
    init_dist_pytorch = dist_utils._init_dist_pytorch

    def _init_dist_pytorch(backend, init_backend='torch', **kwargs) -> None:
        if has_accelerator() or init_backend != 'torch':
            return init_dist_pytorch(backend, init_backend=init_backend, **kwargs)
        if backend == 'nccl':
            warnings.warn('no GPU: using the gloo backend instead of nccl', stacklevel=2)
            backend = 'gloo'
        torch.distributed.init_process_group(backend=backend, **kwargs)

    dist_utils._init_dist_pytorch = _init_dist_pytorch

    ddp_init = MMDistributedDataParallel.__init__

    def __init__(self, module, detect_anomalous_params: bool = False, **kwargs) -> None:
        if (kwargs.get('device_ids') is not None
                and all(p.device.type == 'cpu' for p in module.parameters())):
            kwargs['device_ids'] = None  # DDP: CPU modules take no device_ids
        ddp_init(self, module, detect_anomalous_params=detect_anomalous_params, **kwargs)

    MMDistributedDataParallel.__init__ = __init__






def enable_cpu_distributed(launcher: str) -> bool:
    """Fix 2 for a launched run (``launcher != 'none'``) without an accelerator; returns
    whether it was applied. Idempotent."""
    global _CPU_DISTRIBUTED
    if launcher == 'none' or has_accelerator():
        return False
    if not _CPU_DISTRIBUTED:
        patch_cpu_distributed()
        _CPU_DISTRIBUTED = True
    return True


def apply() -> None:
    """Fix 1: allow-list the checkpoint types for ``torch.load`` (idempotent)."""
    global _APPLIED
    if _APPLIED:
        return
    if hasattr(torch.serialization, 'add_safe_globals'):
        torch.serialization.add_safe_globals(checkpoint_safe_globals())
    _APPLIED = True
