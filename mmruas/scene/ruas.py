"""The RUAS scene module: RUAS_S (IEM), RUAS (IEM + NRM), RUAS_A (IEM + gated NRM).

RUAS-CVPR §3 / RUAS-TPAMI §5.1. ``forward(y)`` takes a batch in [0, 1] and returns a
:class:`SceneOutput` with every stage's u and t, the NRM result and the gate; its
``output`` is the enhanced image (RUAS_A: per image, NRM(uᴷ) where the noise gate
opens, uᴷ elsewhere).

In eval mode RUAS_A runs the NRM only on the images whose gate opens (``skip_closed_gate``,
default on): the gate is read on the host once per batch, which training must avoid (no
host sync there, the NRM runs on every image and ``torch.where`` selects) and an export
cannot express, so tracing/exporting keeps the ``where`` form. Both give the same output.
On the CPU, eval mode also runs in the channels-last memory format (``channels_last``):
oneDNN's convolutions with 3 to 32 channels run about twice as fast on it (measured in
docs/deployment.md#speed); outputs agree with the default format to float rounding.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ..registry import MODELS
from .estimator import NoiseEstimator
from .iem import IEM
from .nrm import NRM

__all__ = ['RUAS', 'SceneOutput', 'VARIANTS']

VARIANTS = ('RUAS_S', 'RUAS', 'RUAS_A')


@dataclass
class SceneOutput:
    output: torch.Tensor                      # final enhanced image
    us: list[torch.Tensor]                    # u of every IEM stage
    ts: list[torch.Tensor]                    # t of every IEM stage
    t_hats: list[torch.Tensor]                # warm start t̂ᵏ of every stage (t̂⁰ = maxΩ(y))
    denoised: torch.Tensor | None = None      # NRM(uᴷ) for every image (RUAS, RUAS_A; eval
    #                                           with skip_closed_gate: uᴷ where the gate shuts)
    noise_map: torch.Tensor | None = None     # estimator output θ (RUAS_A)
    noise_level: torch.Tensor | None = None   # per-image level (RUAS_A)
    gate: torch.Tensor | None = None          # per-image bool, NRM applied (RUAS_A)
    input: torch.Tensor | None = None         # y, the scene's input in [0, 1] (set by the
    #                                           scene wrapper: ℓs compares tᴷ with it)
    indices: list[int] | None = None          # the images' positions in the wrapper's batch


@MODELS.register_module()
class RUAS(nn.Module):
    """Args:
        variant: 'RUAS_S', 'RUAS' or 'RUAS_A'.
        iem, nrm, estimator: keyword arguments of :class:`IEM`, :class:`NRM`,
            :class:`NoiseEstimator` (released settings by default; ``genotype=None``
            makes the cells searchable).
        skip_closed_gate: in eval mode, run the NRM only on the images whose gate opens
            (one host sync per batch); ``False`` keeps the sync-free form in eval too.
        channels_last: in eval mode on the CPU, compute in the channels-last format (the
            output is returned in the default contiguous format).
    """

    def __init__(self, variant: str = 'RUAS_A', iem: dict | None = None,
                 nrm: dict | None = None, estimator: dict | None = None,
                 skip_closed_gate: bool = True, channels_last: bool = True) -> None:
        super().__init__()
        if variant not in VARIANTS:
            raise ValueError(f'unknown RUAS variant {variant!r}; choose from {VARIANTS}')
        self.variant = variant
        self.iem = IEM(**(iem or {}))
        self.nrm = NRM(**(nrm or {})) if variant != 'RUAS_S' else None
        self.estimator = NoiseEstimator(**(estimator or {})) if variant == 'RUAS_A' else None
        self.skip_closed_gate = skip_closed_gate
        self.channels_last = channels_last

    def memory_format(self, y: torch.Tensor) -> torch.memory_format:
        """The format the scene computes ``y`` in: channels-last in eval mode on the CPU
        (``channels_last``), else the default."""
        if (self.channels_last and not self.training and y.device.type == 'cpu'
                and y.dim() == 4 and not _tracing()):
            return torch.channels_last
        return torch.contiguous_format

    def forward(self, y: torch.Tensor) -> SceneOutput:
        fast = self.memory_format(y) == torch.channels_last
        if fast:
            y = y.contiguous(memory_format=torch.channels_last)
        us, ts, t_hats = self.iem(y)
        out = self.denoise(us[-1], SceneOutput(output=us[-1], us=us, ts=ts, t_hats=t_hats))
        if fast:
            out.output = out.output.contiguous()
        return out

    def denoise(self, u: torch.Tensor, out: SceneOutput | None = None) -> SceneOutput:
        """The NRM part on the IEM output ``u`` = uᴷ (fills ``out``, or a new output whose
        ``us`` is ``[u]``)."""
        out = out or SceneOutput(output=u, us=[u], ts=[], t_hats=[])
        if self.nrm is None:
            return out
        if self.estimator is None:
            out.denoised = out.output = self.nrm(u)
            return out
        out.noise_map = self.estimator(u)
        out.noise_level = self.estimator.level(out.noise_map)
        out.gate = self.estimator.gate(out.noise_level)
        if self.skip_closed_gate and not self.training and not _tracing():
            # inference: the NRM on the gated images only (``denoised`` is uᴷ elsewhere)
            out.denoised = u.clone()
            open_ = out.gate.nonzero().flatten()            # host sync, once per batch
            if open_.numel():
                out.denoised[open_] = self.nrm(u[open_])
            out.output = out.denoised
            return out
        out.denoised = self.nrm(u)
        out.output = torch.where(out.gate[:, None, None, None], out.denoised, u)
        return out


def _tracing() -> bool:
    """Inside torch.jit tracing, torch.export or the ONNX exporter."""
    return (torch.jit.is_tracing() or torch.compiler.is_exporting()
            or torch.onnx.is_in_onnx_export())
