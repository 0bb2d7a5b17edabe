"""Data-parallel search: gradient averaging and the model wrapper
(docs/method.md#cooperative-search-alg-1).

A search step takes its gradients with :func:`torch.autograd.grad` (virtual step,
finite differences, α and ω steps), which DDP's backward hooks never see. Every gradient
of a search step therefore goes through :func:`all_reduce_mean`: with equal per-rank
batches and batch-mean losses, each averaged gradient equals the gradient of the global
batch, so a run on N processes follows the same trajectory as one process with the global
batch, and α stays identical on every rank (DDP broadcasts the initial state).

mmengine's :class:`MMDistributedDataParallel` replaces the model's ``train_step`` with a
plain forward/backward/step; :class:`SearchDistributedDataParallel` hands the step to the
search model instead (``model_wrapper_cfg=dict(type='SearchDistributedDataParallel')``).
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.distributed as torch_dist
from mmengine.dist import get_world_size
from mmengine.model.wrappers import MMDistributedDataParallel
from mmengine.registry import MODEL_WRAPPERS
from torch import Tensor

__all__ = ['all_reduce_mean', 'SearchDistributedDataParallel', 'max_rank_deviation']


def _flatten(tensors: Sequence[Tensor]) -> Tensor:
    """One flat copy of ``tensors`` (all of one dtype and device)."""
    return torch.cat([t.detach().reshape(-1) for t in tensors])


def all_reduce_mean(tensors: Sequence[Tensor]) -> list[Tensor]:
    """Average ``tensors`` over all ranks (one flat all-reduce); identity on one process."""
    tensors = list(tensors)
    if not tensors or get_world_size() == 1:
        return tensors
    flat = _flatten(tensors)
    torch_dist.all_reduce(flat)
    flat.div_(get_world_size())
    return [chunk.view_as(t) for chunk, t in zip(flat.split([t.numel() for t in tensors]),
                                                   tensors)]


@torch.no_grad()
def max_rank_deviation(tensors: Sequence[Tensor]) -> float:
    """max |t − t on rank 0| over all ranks and tensors (0.0 on one process; host sync)."""
    if not tensors or get_world_size() == 1:
        return 0.0
    flat = _flatten(tensors)
    ref = flat.clone()
    torch_dist.broadcast(ref, src=0)
    dev = (flat - ref).abs().max()
    torch_dist.all_reduce(dev, op=torch_dist.ReduceOp.MAX)
    return float(dev)


# mmengine's root registry: the Runner looks wrappers up there by plain name, whatever the
# config's scope (mmruas, mmdet, mmseg)
@MODEL_WRAPPERS.register_module()
class SearchDistributedDataParallel(MMDistributedDataParallel):
    """DDP wrapper whose ``train_step`` is the search model's own (see module doc)."""

    def train_step(self, data, optim_wrapper) -> dict[str, Tensor]:
        return self.module.train_step(data, optim_wrapper)
