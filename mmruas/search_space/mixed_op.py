"""The continuous relaxation of one searchable edge (RUAS-TPAMI §4.1, after DARTS).

``MixedOp(x) = Σ_i softmax(α)_i · op_i(x)``. Each mixed operation owns its
architecture weights as the parameter ``arch_alpha`` so that any module built from
mixed operations (a cell, an SSD head, an ASPP head) is searchable as it stands and
the optimiser can group parameters by name (see :func:`is_arch_param`). The discrete
counterpart is simply the arg-max operation built by :func:`build_op`.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .operations import build_op, resolve_op_name

__all__ = ['MixedOp', 'ARCH_PARAM_NAME', 'is_arch_param', 'alpha_entropy']

#: name of every architecture parameter (α) in an mmruas model
ARCH_PARAM_NAME = 'arch_alpha'


def is_arch_param(name: str) -> bool:
    """True for the qualified name of an architecture parameter α."""
    return name.rsplit('.', 1)[-1] == ARCH_PARAM_NAME


class MixedOp(nn.Module):
    """Softmax(α)-weighted sum over candidate operations (one searchable edge).

    Args:
        candidates: operation names (a search space such as ``SCENE_OPS``).
        in_channels, out_channels, stride, bias: passed to every candidate.
        alpha_init_std: α starts as ``std · N(0, 1)`` as in DARTS (1e-3).
        op_factory: ``op_factory(name)`` builds one candidate (default
            ``build_op(name, in_channels, out_channels, stride, bias)``); subclasses whose
            candidates take other arguments (padded task convs, ASPP branches) pass theirs.
    """

    #: index of the one op ``forward`` uses after :meth:`discretise` (``None``: the mixture)
    chosen: int | None = None

    def __init__(self, candidates: Sequence[str], in_channels: int, out_channels: int,
                 stride: int = 1, bias: bool = True, alpha_init_std: float = 1e-3,
                 op_factory: Callable[[str], nn.Module] | None = None) -> None:
        super().__init__()
        if op_factory is None:
            def op_factory(name: str) -> nn.Module:
                return build_op(name, in_channels, out_channels, stride, bias)
        self.candidates = tuple(resolve_op_name(c) for c in candidates)
        self.ops = nn.ModuleList(op_factory(c) for c in self.candidates)
        self.arch_alpha = nn.Parameter(alpha_init_std * torch.randn(len(self.candidates)))

    def discretise(self, index: int | None = None) -> None:
        """Discretise the edge: from now on ``forward`` is the op ``index`` alone (default the
        arg-max of α, the derived architecture, RUAS-TPAMI §4.1) with its current weights."""
        self.chosen = int(self.arch_alpha.detach().argmax()) if index is None else int(index)

    def weights(self) -> torch.Tensor:
        return F.softmax(self.arch_alpha, dim=-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.chosen is not None:
            return self.ops[self.chosen](x)
        w = self.weights()
        out = w[0] * self.ops[0](x)
        for wi, op in zip(w[1:], self.ops[1:]):
            out = out + wi * op(x)
        return out

    def derive(self) -> str:
        """The arg-max operation's name (the derived discrete architecture); the chosen op
        after :meth:`discretise`."""
        if self.chosen is not None:
            return self.candidates[self.chosen]
        return self.candidates[int(self.arch_alpha.detach().argmax())]


def alpha_entropy(alpha: torch.Tensor) -> torch.Tensor:
    """Entropy (nats) of softmax(α) along the last dim: log(n) uniform, 0 decided."""
    logp = F.log_softmax(alpha, dim=-1)
    return -(logp.exp() * logp).sum(-1)
