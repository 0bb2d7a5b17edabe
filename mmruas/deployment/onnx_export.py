"""ONNX export of mmruas models and its check with ONNX Runtime.

Two graphs, both with dynamic batch, height and width:

- **enhancer** (:class:`EnhancerGraph`): a :class:`~mmruas.models.RUASEnhancer`'s scene,
  ``image`` (N×3×H×W float RGB in [0, 1]) -> ``output`` (the enhanced image, not clamped,
  as ``tools/enhance.py`` gets it before quantising). RUAS_A's noise gate is a graph
  ``Where``: the NRM runs on every image and the gate selects per image (the scene keeps
  this sync-free form while exporting; it skips the NRM on closed gates only in plain
  eval), so a batch mixing open and closed gates is exact.
- **task** (:class:`TaskGraph`): a detector or segmentor whose data preprocessor is the
  RUAS scene preprocessor (``RUASDetDataPreprocessor`` / ``RUASSegDataPreprocessor``),
  ``image`` (N×3×H×W float, as the data pipeline gives it: BGR unless the preprocessor has
  ``rgb_to_bgr``, 0..``max_value``) -> the tensor-mode outputs (raw head outputs, e.g. an
  SSD's per-level class scores and box deltas, a segmentor's logits). The scene, the white
  level, the channel order, the normalisation and the padding to ``pad_size_divisor`` are
  inside the graph; NMS and box decoding stay outside, as mmdet 3's own export does.

Exporter: torch 2.14's default, the ``torch.export``-based one (``dynamo=True``, with
onnxscript). It exports both graphs with symbolic batch, height and width (max abs
difference from PyTorch on other sizes: 1e-5 for RUAS_A with the released weights, 5e-7
for the demo SSD, 7e-5 for SSD300, whose raw outputs reach 64). The legacy TorchScript
exporter (``dynamo=False``) also exports them, about 20 times faster (0.9 s against
19 s for RUAS_A on one CPU thread: no decomposition and onnxscript optimisation passes),
but it is deprecated since torch 2.9 and due for removal, so it is only an option
(``exporter='torchscript'``).
Two pitfalls of the default exporter, avoided here: a Python loop over the batch
(``range(N)``, mmdet's and mmseg's per-image steps) silently fixes N to the export batch,
and the floor division of a negative symbolic size is written as ONNX's truncating
``Div``.
"""
from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from torch import nn

from ..scene import RUAS
from ..utils.checkpoints import (
    build_model,
    check_state_dict,
    checkpoint_state_dict,
    read_checkpoint,
)
from ..utils.cli import ToolError, load_config

__all__ = ['EnhancerGraph', 'TaskGraph', 'export_graph', 'flatten_outputs', 'run_onnx',
           'max_abs_diff', 'all_finite', 'onnx_session', 'graph_for', 'load_graph']


class EnhancerGraph(nn.Module):
    """A scene module (or an enhancer's ``scene``) as ``image -> output``."""

    kind = 'enhancer'

    def __init__(self, scene: nn.Module) -> None:
        super().__init__()
        self.scene = scene

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.scene(image).output


class TaskGraph(nn.Module):
    """A detector/segmentor with the RUAS scene preprocessor: ``image`` -> tensor-mode
    outputs, the preprocessor (scene, white level, channels, mean/std, padding) inside."""

    kind = 'task'

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return tuple(flatten_outputs(self.model(self.preprocess(image), mode='tensor')))

    def preprocess(self, image: torch.Tensor) -> torch.Tensor:
        """The preprocessor's eval-mode steps on a stacked batch, written out: its own
        ``forward`` (and the scene wrapper's ``run_scene``) loop over the images of the
        batch (``range(N)`` for the per-image metainfo, mmdet's pad shapes, mmseg's
        per-image normalisation), which fixes the batch size in an exported graph. The steps
        (tests/unit/deployment/test_onnx.py checks them against the preprocessor's
        ``forward``): white level and RGB, the scene, back to the value range and channel
        order the task expects, mean/std, padding with the preprocessor's pad value."""
        pre = self.model.data_preprocessor
        scale = float(pre.max_value)
        x = image.float()
        if pre.input_bgr:
            x = x[:, [2, 1, 0]]
        x = pre.scene((x / scale).clamp(0.0, 1.0))
        x = (x if isinstance(x, torch.Tensor) else x.output) * scale
        if pre.output_bgr:
            x = x[:, [2, 1, 0]]
        if getattr(pre, '_enable_normalize', False):
            x = (x - pre.mean) / pre.std
        size, divisor, value = _padding(pre)
        h, w = x.shape[-2:]
        if size is not None:
            th, tw = size
        elif divisor and divisor > 1:
            # not -(-h // d): torch 2.14's exporter writes the floor division of a negative
            # symbolic size as ONNX's truncating Div (101 -> 96 instead of 128 for d = 32)
            th = (h + divisor - 1) // divisor * divisor
            tw = (w + divisor - 1) // divisor * divisor
        else:
            return x
        return F.pad(x, (0, tw - w, 0, th - h), value=value)


def _padding(pre: nn.Module) -> tuple[tuple[int, int] | None, int | None, float]:
    """(fixed size, size divisor, pad value) of an mmdet/mmengine or mmseg preprocessor in
    eval mode (mmseg pads at test time only as its ``test_cfg`` says)."""
    if hasattr(pre, 'pad_size_divisor'):        # mmengine ImgDataPreprocessor (mmdet)
        return None, int(pre.pad_size_divisor), float(pre.pad_value)
    test_cfg = getattr(pre, 'test_cfg', None) or {}
    size = test_cfg.get('size')
    return (tuple(size) if size else None, test_cfg.get('size_divisor'),
            float(getattr(pre, 'pad_val', 0)))


def flatten_outputs(obj: Any) -> list[torch.Tensor]:
    """The tensors of nested tuples/lists/dicts (dicts in key order), depth first."""
    if isinstance(obj, torch.Tensor):
        return [obj]
    if isinstance(obj, dict):
        return [t for k in sorted(obj) for t in flatten_outputs(obj[k])]
    if isinstance(obj, (list, tuple)):
        return [t for item in obj for t in flatten_outputs(item)]
    raise TypeError(f'cannot export an output of type {type(obj).__name__}')


def graph_for(model: nn.Module) -> nn.Module:
    """The exportable graph of ``model`` (eval mode): an enhancer or scene module gives an
    :class:`EnhancerGraph`, a model with a RUAS scene preprocessor a :class:`TaskGraph`.
    Raises ValueError for other models."""
    model.eval()
    return _graph_for(model).eval()


def _graph_for(model: nn.Module) -> nn.Module:
    task = getattr(model, 'task', None)   # a SceneTaskModel: its detector/segmentor
    model = task if isinstance(task, nn.Module) else model
    if isinstance(model, RUAS):
        return EnhancerGraph(model)
    scene = getattr(model, 'scene', None)
    if isinstance(scene, RUAS):
        return EnhancerGraph(scene)
    pre = getattr(model, 'data_preprocessor', None)
    if pre is not None and hasattr(pre, 'run_scene') and isinstance(model, BaseModel):
        if int(getattr(pre.scene, 'in_channels', 3)) != 3:
            raise ValueError('the scene preprocessor takes '
                             f'{pre.scene.in_channels}-channel inputs; only 3-channel '
                             'images are exported')
        if getattr(pre, 'max_value', None) == 'metainfo':
            raise ValueError("the data preprocessor takes the white level from each image's "
                             "metainfo (max_value='metainfo'), which an exported graph has "
                             'not; set model.data_preprocessor.max_value to a number')
        return TaskGraph(model)
    raise ValueError(f'{type(model).__name__} is neither an enhancer (a RUAS scene) nor a '
                     'detector/segmentor with the RUAS scene data preprocessor')


def load_graph(config: str, checkpoint: str, cfg_options: dict | None = None) -> nn.Module:
    """The exportable graph (:func:`graph_for`) of ``config``'s model with ``checkpoint``
    loaded strictly, on the CPU. A config's ``scene_checkpoint`` is not read (the checkpoint
    holds the scene's weights). Errors are one-line ToolErrors."""
    cfg = load_config(config, cfg_options)
    if not isinstance(cfg.get('model'), Mapping):
        raise ToolError(f'{config}: the config key model must be a dict, got '
                        f'{cfg.get("model")!r:.60}')
    pre = cfg.model.get('data_preprocessor')
    if isinstance(pre, dict) and pre.get('scene_checkpoint') is not None:
        pre['scene_checkpoint'] = None
    model = build_model(cfg)
    state = checkpoint_state_dict(read_checkpoint(checkpoint), checkpoint)
    text = check_state_dict(model, state, checkpoint, strict=False)
    if text:      # strict, and no hint at a --lenient these tools do not have
        raise ToolError(f'checkpoint {checkpoint} does not fit the model ({text})')
    model.load_state_dict(state, strict=True)
    try:
        return graph_for(model)
    except ValueError as exc:
        raise ToolError(f'{config}: {exc}') from None


def export_graph(graph: nn.Module, example: torch.Tensor, path: str, *,
                 exporter: str = 'dynamo', opset: int = 18) -> list[str]:
    """Export ``graph`` on ``example`` to ``path`` with dynamic N, H, W; returns the
    output names (``output`` for an enhancer, ``output.<i>`` for a task's outputs)."""
    with torch.no_grad():
        n_out = len(flatten_outputs(graph(example)))
    names = ['output'] if n_out == 1 else [f'output.{i}' for i in range(n_out)]
    kwargs: dict[str, Any] = dict(input_names=['image'], output_names=names,
                                  opset_version=opset)
    if exporter == 'dynamo':
        from torch.export import Dim
        dims = {0: Dim('batch', max=1024), 2: Dim('height', min=2, max=65536),
                3: Dim('width', min=2, max=65536)}
        torch.onnx.export(graph, (example,), path, dynamo=True, verbose=False,
                          external_data=False,   # one self-contained file: atomic rename
                          dynamic_shapes={'image': dims}, **kwargs)
    elif exporter == 'torchscript':
        axes = {0: 'batch', 2: 'height', 3: 'width'}
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            torch.onnx.export(graph, (example,), path, dynamo=False,
                              dynamic_axes={'image': axes}, **kwargs)
    else:
        raise ValueError(f"unknown exporter {exporter!r}; use 'dynamo' or 'torchscript'")
    return names


def onnx_session(path: str, threads: int | None = None, spin: bool = True) -> Any:
    """An ONNX Runtime CPU session on ``path`` (``threads``: intra-op threads; ``spin``:
    ONNX Runtime's default busy-waiting of idle pool threads)."""
    import onnxruntime as ort
    opts = ort.SessionOptions()
    if threads:
        opts.intra_op_num_threads = int(threads)
        opts.inter_op_num_threads = 1
    if not spin:
        # idle pool threads sleep instead of spinning: interleaved with PyTorch in one
        # process, spinning threads would take the cores PyTorch's next run needs
        opts.add_session_config_entry('session.intra_op.allow_spinning', '0')
    opts.log_severity_level = 3
    return ort.InferenceSession(os.fspath(path), sess_options=opts,
                                providers=['CPUExecutionProvider'])


def run_onnx(session: Any, image: np.ndarray | torch.Tensor) -> list[np.ndarray]:
    """Run an exported graph's session on one N×3×H×W float32 batch."""
    if isinstance(image, torch.Tensor):
        image = image.detach().cpu().numpy()
    name = session.get_inputs()[0].name
    return session.run(None, {name: np.ascontiguousarray(image, dtype=np.float32)})


def _numpy(x: np.ndarray | torch.Tensor) -> np.ndarray:
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def all_finite(outputs: Sequence[np.ndarray | torch.Tensor]) -> bool:
    """Whether every value of every output is finite (no NaN, no Inf)."""
    return all(bool(np.isfinite(_numpy(o)).all()) for o in outputs)


def max_abs_diff(ours: Sequence[np.ndarray | torch.Tensor],
                 theirs: Sequence[np.ndarray | torch.Tensor]) -> float:
    """The largest absolute difference over paired outputs: ``inf`` on a shape or count
    mismatch, ``nan`` when either side holds a NaN or Inf (never 0: a NaN model is not
    identical to anything; check the result with ``math.isfinite`` or ``not d <= tol``)."""
    if len(ours) != len(theirs):
        return float('inf')
    worst = 0.0
    for a, b in zip(ours, theirs):
        a, b = _numpy(a), _numpy(b)
        if a.shape != b.shape:
            return float('inf')
        if not (np.isfinite(a).all() and np.isfinite(b).all()):
            return float('nan')
        if a.size:
            worst = max(worst, float(np.max(np.abs(a.astype(np.float64) - b))))
    return worst
