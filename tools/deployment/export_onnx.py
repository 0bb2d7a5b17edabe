"""Export an mmruas enhancer, or a detector/segmentor with the RUAS scene preprocessor, to ONNX.

    python tools/deployment/export_onnx.py CONFIG CHECKPOINT OUT.onnx [--shape H W]
        [--check-shape H W] [--tolerance 1e-4] [--legacy-exporter] [--opset 18]
        [--overwrite] [--cfg-options k=v ...]

The graph's input ``image`` is N×3×H×W float32 with dynamic N, H and W:

- an enhancer config (``RUASEnhancer``, RUAS_S / RUAS / RUAS_A): RGB in [0, 1]; the output
  ``output`` is the enhanced image (not clamped). RUAS_A's noise gate is a graph ``Where``
  (the NRM runs on every image, each image's gate selects), so it is exact per image;
- a detector/segmentor whose ``data_preprocessor`` is ``RUASDetDataPreprocessor`` /
  ``RUASSegDataPreprocessor``: the image as the data pipeline gives it (BGR unless the
  preprocessor has ``rgb_to_bgr``, 0..255 or the preprocessor's ``max_value``); the
  scene, normalisation and padding run inside the graph and the outputs ``output.<i>``
  are the tensor-mode outputs flattened in order (an SSD: the class scores of every level,
  then the box deltas of every level; a segmentor: its logits). NMS / box decoding stay
  outside the graph, as in mmdet 3.

Exporter: torch 2.14's default, the ``torch.export``-based one (``dynamo=True``, needs
``onnxscript``): it exports these graphs with symbolic batch, height and width and is the
exporter torch maintains. The legacy TorchScript exporter also exports them, about 20
times faster (no decomposition and optimisation passes), but it is deprecated since
torch 2.9 and will be removed, so it is only an option (``--legacy-exporter``). See
:mod:`mmruas.deployment.onnx_export` for the two pitfalls of the default one that the
export wrappers avoid.

The checkpoint is loaded strictly (every key of the model, nothing else); a config's
``scene_checkpoint`` is not read (the checkpoint holds the scene's weights). After export
the file is checked (``onnx.checker``) and run with ONNX Runtime on a random input of
another size than the export's (``--check-shape``, batch 1) beside PyTorch; the max abs
difference is printed and above ``--tolerance`` the export fails; so does a NaN or Inf in
PyTorch's or ONNX Runtime's outputs (a checkpoint of NaN weights is no "max abs diff 0").
OUT is written to a temporary name in its folder and renamed only once it passed; an
existing OUT is refused without ``--overwrite``, and OUT naming an input (the config, the
checkpoint, also through a hard or symbolic link) is refused even with it. Bad input ends
with one ``error:`` line (exit status 2).
"""
from __future__ import annotations

import argparse
import os.path as osp
import time

import torch

import mmruas  # noqa: F401  (the torch-2.14 compatibility fixes)
from mmruas.deployment import (
    TaskGraph,
    all_finite,
    export_graph,
    flatten_outputs,
    load_graph,
    max_abs_diff,
    onnx_session,
    run_onnx,
)
from mmruas.utils.cli import DictAction, ToolError, run_tool
from mmruas.utils.safe_io import atomic_path, check_new_output

REQUIRED = ('onnx', 'onnxruntime', 'onnxscript')


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='checkpoint file (loaded strictly)')
    parser.add_argument('out', help='output .onnx file')
    parser.add_argument('--shape', type=int, nargs=2, default=(128, 160), metavar=('H', 'W'),
                        help='export input size (batch 2); the graph keeps N, H, W dynamic')
    parser.add_argument('--check-shape', type=int, nargs=2, default=None, metavar=('H', 'W'),
                        help='size of the ONNX Runtime check (default: export size + 37 x '
                        '+ 19, odd); must differ from --shape')
    parser.add_argument('--tolerance', type=float, default=1e-4,
                        help='largest allowed abs difference ONNX Runtime vs PyTorch')
    parser.add_argument('--legacy-exporter', action='store_true',
                        help='the deprecated TorchScript exporter (dynamo=False)')
    parser.add_argument('--opset', type=int, default=18, help='ONNX opset version')
    parser.add_argument('--seed', type=int, default=0, help='seed of the random inputs')
    parser.add_argument('--overwrite', action='store_true', help='replace an existing OUT')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings')
    return parser.parse_args(argv)


def check_args(args: argparse.Namespace) -> tuple[int, int]:
    """Validate sizes and tolerance; return the check size."""
    if min(args.shape) < 8:
        raise ToolError(f'--shape {args.shape[0]} {args.shape[1]}: both sides must be >= 8')
    check = tuple(args.check_shape) if args.check_shape else (
        args.shape[0] + 37, args.shape[1] + 19)
    if min(check) < 8:
        raise ToolError(f'--check-shape {check[0]} {check[1]}: both sides must be >= 8')
    if check == tuple(args.shape):
        raise ToolError('--check-shape must differ from --shape (it checks the dynamic '
                        'height and width)')
    if not args.tolerance > 0:
        raise ToolError(f'--tolerance must be > 0, got {args.tolerance}')
    if not 14 <= args.opset <= 23:
        raise ToolError(f'--opset must be in 14..23, got {args.opset}')
    return check


def require_onnx(legacy: bool) -> None:
    """ToolError naming the missing packages (onnxscript only for the default exporter)."""
    import importlib.util
    missing = [m for m in REQUIRED if importlib.util.find_spec(m) is None
               and not (legacy and m == 'onnxscript')]
    if missing:
        raise ToolError(f'ONNX export needs {", ".join(missing)}: pip install '
                        f'{" ".join(missing)} (versions in requirements.txt)')


def example_input(graph: torch.nn.Module, n: int, h: int, w: int,
                  gen: torch.Generator) -> torch.Tensor:
    """A random image batch in the graph's input range (enhancer: [0, 1]; task model:
    0..the preprocessor's white level)."""
    scale = float(graph.model.data_preprocessor.max_value) if isinstance(
        graph, TaskGraph) else 1.0
    return torch.rand(n, 3, h, w, generator=gen) * scale


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    check = check_args(args)
    check_new_output(args.out, overwrite=args.overwrite, inputs=[args.config, args.checkpoint])
    if not args.out.endswith('.onnx'):
        raise ToolError(f'{args.out}: the output name must end with .onnx')
    require_onnx(args.legacy_exporter)
    import onnx

    graph = load_graph(args.config, args.checkpoint, args.cfg_options)
    gen = torch.Generator().manual_seed(args.seed)
    example = example_input(graph, 2, *args.shape, gen)
    probe = example_input(graph, 1, *check, gen)
    with torch.inference_mode():
        try:
            graph(example)
            ref = flatten_outputs(graph(probe))
        except RuntimeError as exc:     # e.g. a detector's input smaller than its kernels
            first = (str(exc).strip().splitlines() or ['RuntimeError'])[0][:200]
            raise ToolError(f'the model cannot run on a {args.shape[0]}x{args.shape[1]} or '
                            f'{check[0]}x{check[1]} input ({first}); choose --shape / '
                            '--check-shape') from None
    if not all_finite(ref):
        raise ToolError(f'PyTorch gives NaN or Inf on a random {check[0]}x{check[1]} input '
                        f'(check the weights of {args.checkpoint}); {args.out} not written')
    exporter = 'torchscript' if args.legacy_exporter else 'dynamo'
    start = time.perf_counter()
    with atomic_path(args.out, overwrite=args.overwrite) as tmp:
        names = export_graph(graph, example, tmp, exporter=exporter, opset=args.opset)
        seconds = time.perf_counter() - start
        onnx.checker.check_model(tmp, full_check=True)
        try:
            ours = run_onnx(onnx_session(tmp), probe)
        except Exception as exc:  # onnxruntime's own error types (Fail, InvalidArgument)
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            raise ToolError(f'ONNX Runtime cannot run the exported graph on 1x3x{check[0]}x'
                            f'{check[1]} ({first}); {args.out} not written') from None
        if not all_finite(ours):
            raise ToolError(f'ONNX Runtime gives NaN or Inf on 1x3x{check[0]}x{check[1]} '
                            f'where PyTorch does not; {args.out} not written')
        diff = max_abs_diff(ref, ours)      # NaN-aware: nan/inf fail the check below
        peak = max(float(r.abs().max()) for r in ref)
        print(f'{graph.kind} graph, {exporter} exporter, opset {args.opset}: exported at '
              f'2x3x{args.shape[0]}x{args.shape[1]} in {seconds:.1f} s, {len(names)} '
              f'output(s); ONNX Runtime vs PyTorch on 1x3x{check[0]}x{check[1]}: '
              f'max abs diff {diff:.3g} (largest output magnitude {peak:.3g})')
        if not diff <= args.tolerance:
            raise ToolError(f'ONNX Runtime differs from PyTorch by {diff:.3g} > '
                            f'--tolerance {args.tolerance:g}; {args.out} not written')
    print(f'wrote {args.out} ({osp.getsize(args.out) / 1e6:.2f} MB)')
    return 0


if __name__ == '__main__':
    run_tool(main)
