"""Latency of an mmruas model beside another implementation, on the same images, interleaved.

    python tools/analysis_tools/benchmark_deploy.py CONFIG CHECKPOINT IMAGES...
        [--other OTHER] [--factory-args k=v ...] [--threads 1] [--repeats 10] [--warmup 2]
        [--mode latency|throughput] [--batch 8] [--out results.json] [--trust-other]

IMAGES are image files, folders (their images, not recursive) or glob patterns. The
mmruas side is the config's model with CHECKPOINT loaded strictly, in eval mode, in the
form ``tools/deployment/export_onnx.py`` exports (an enhancer: RGB in [0, 1] -> the
enhanced image; a detector/segmentor with the RUAS scene preprocessor: the pipeline's
BGR 0..255 image -> raw head outputs), run under ``torch.inference_mode`` on the CPU.
OTHER, taking the same input and giving the same outputs, is one of:

- an ``.onnx`` file, run with ONNX Runtime (CPU);
- a ``torch.export`` program (``.pt2``, saved by ``torch.export.save``) or a TorchScript
  file (any other file, saved by ``torch.jit.save``), only with ``--trust-other``: loading
  them can run code stored in the file (``torch.export.load`` unpickles parts of an archive
  with ``weights_only=False``), so they are refused unless you say you trust the file;
- ``module:function`` or ``path/to/file.py:function``: a Python factory returning an
  ``nn.Module`` (e.g. a few lines wrapping the authors' released RUAS code with its weights;
  that code is not part of mmruas), called with ``--factory-args`` as keyword arguments.
  This is code you name, and it runs as such.

``--mode latency`` (default): batch 1; for every repeat and image the two sides run one
after the other (mmruas first on even repeats, the other first on odd ones), after
``--warmup`` untimed runs of each. Printed per image: the median times, their ratio, the
max abs output difference and RUAS_A's noise gate; then the geometric mean of the ratios.
``--mode throughput``: for each side, ``--batch`` images in one forward against the same
images one by one, interleaved; images/s of both and their ratio. Both sides use
``--threads`` intra-op threads (torch and ONNX Runtime); the machine's load average is
printed with the figures. An output holding NaN or Inf (on either side, or batched against
one by one) stops the run with one ``error:`` line: it is no "max abs diff 0". ``--out``
is refused when it names any input (config, checkpoint, an image, the ``--other`` file),
also through a hard or symbolic link, even with ``--overwrite``.
"""
from __future__ import annotations

import argparse
import contextlib
import glob
import importlib
import importlib.util
import logging
import math
import os
import os.path as osp
import statistics
import time
import zipfile
from collections.abc import Callable, Iterator

import numpy as np
import torch

import mmruas  # noqa: F401  (the torch-2.14 compatibility fixes)
from mmruas.deployment import TaskGraph, all_finite, flatten_outputs, load_graph, max_abs_diff
from mmruas.utils.cli import DictAction, ToolError, run_tool
from mmruas.utils.safe_io import check_new_output, write_json

Runner = Callable[[torch.Tensor], list]
PT2, TORCHSCRIPT = 'torch.export (.pt2)', 'TorchScript'


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='checkpoint file (loaded strictly)')
    parser.add_argument('images', nargs='+', help='image files, folders or glob patterns')
    parser.add_argument('--other', help='ONNX file, TorchScript file or module:function')
    parser.add_argument('--trust-other', action='store_true',
                        help='load a .pt2 / TorchScript --other file: I trust this file '
                        '(loading such a file can run code stored in it)')
    parser.add_argument('--factory-args', nargs='+', action=DictAction, default={},
                        help='keyword arguments of the module:function factory')
    parser.add_argument('--mode', choices=('latency', 'throughput'), default='latency')
    parser.add_argument('--batch', type=int, default=8, help='batch of --mode throughput')
    parser.add_argument('--threads', type=int, default=1, help='intra-op threads, both sides')
    parser.add_argument('--repeats', type=int, default=10, help='timed runs per image')
    parser.add_argument('--warmup', type=int, default=2, help='untimed runs per image')
    parser.add_argument('--out', help='also write the figures to this JSON file')
    parser.add_argument('--overwrite', action='store_true', help='replace an existing --out')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings')
    args = parser.parse_args(argv)
    for name, low in (('threads', 1), ('repeats', 1), ('warmup', 0), ('batch', 2)):
        if getattr(args, name) < low:
            raise ToolError(f'--{name} must be >= {low}, got {getattr(args, name)}')
    return args


def collect_images(specs: list[str]) -> list[str]:
    """Files, folders (sorted, not recursive) and glob patterns -> image paths."""
    from mmruas.datasets.folders import list_images
    paths: list[str] = []
    for spec in specs:
        if osp.isdir(spec):
            try:
                paths += [osp.join(spec, name) for name in list_images(spec)]
            except ValueError as exc:
                raise ToolError(str(exc)) from None
        elif osp.isfile(spec):
            paths.append(spec)
        elif glob.has_magic(spec) and glob.glob(spec):
            paths += sorted(p for p in glob.glob(spec) if osp.isfile(p))
        else:
            raise ToolError(f'no image file, folder or glob match: {spec}')
    return paths


def load_inputs(paths: list[str], graph: torch.nn.Module) -> list[torch.Tensor]:
    """1×3×H×W float tensors in the graph's input form (see the module docstring)."""
    from mmruas.apis.inference import image_to_tensor, read_image
    task = isinstance(graph, TaskGraph)
    tensors = []
    for path in paths:
        try:
            bgr = read_image(path)
        except ValueError as exc:
            raise ToolError(str(exc)) from None
        if not task:
            tensors.append(image_to_tensor(bgr)[None])
            continue
        img = bgr.astype(np.float32) * (255.0 / (65535.0 if bgr.dtype == np.uint16 else 255.0))
        # contiguous N×C×H×W, as torchvision's ToTensor gives: a permuted H×W×C view would
        # be channels-last in memory and switch both sides to those kernels unasked
        tensors.append(torch.from_numpy(img).permute(2, 0, 1)[None].contiguous())
    return tensors


def torch_runner(module: torch.nn.Module) -> Runner:
    def run(x: torch.Tensor) -> list:
        with torch.inference_mode():
            return flatten_outputs(module(x))
    return run


def _import_factory(spec: str) -> Callable[..., torch.nn.Module]:
    module_name, _, func = spec.rpartition(':')
    if not module_name or not func:
        raise ToolError(f'--other {spec}: expected an .onnx file, a TorchScript file or '
                        'module:function')
    try:
        if module_name.endswith('.py'):
            if not osp.isfile(module_name):
                raise ToolError(f'--other {spec}: no such file {module_name}')
            loader_spec = importlib.util.spec_from_file_location(
                osp.splitext(osp.basename(module_name))[0], module_name)
            module = importlib.util.module_from_spec(loader_spec)
            loader_spec.loader.exec_module(module)
        else:
            module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ToolError(f'--other {spec}: cannot import {module_name} ({exc})') from None
    factory = getattr(module, func, None)
    if not callable(factory):
        raise ToolError(f'--other {spec}: {module_name} has no function {func}')
    return factory


def other_inputs(spec: str | None) -> list[str]:
    """The files ``--other`` reads: an ONNX / .pt2 / TorchScript file, a factory's .py."""
    if not spec:
        return []
    if osp.isfile(spec):
        return [spec]
    module_name = spec.rpartition(':')[0]
    return [module_name] if module_name.endswith('.py') else []


def _refuse_untrusted(spec: str, kind: str, trusted: bool) -> None:
    """ToolError unless ``trusted``: loading a ``kind`` file can run code stored in it."""
    if not trusted:
        raise ToolError(f'--other {spec}: a {kind} file can run code stored in it when '
                        'loaded; give --trust-other if you trust this file (or export the '
                        'model to ONNX)')


@contextlib.contextmanager
def _quiet_loggers(*names: str) -> Iterator[None]:
    """Only errors from these loggers (torch.export.load logs a traceback as a warning
    before its fallbacks; a failure is reported in one line instead)."""
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def other_runner(spec: str, threads: int, factory_args: dict,
                 trusted: bool = False) -> tuple[Runner, str]:
    """The other side's runner and a description of it; ``.pt2`` and TorchScript files
    only when ``trusted`` (see the module docstring)."""
    if spec.endswith('.onnx'):
        if not osp.isfile(spec):
            raise ToolError(f'--other {spec}: no such file')
        if importlib.util.find_spec('onnxruntime') is None:
            raise ToolError('--other .onnx needs onnxruntime (pip install onnxruntime)')
        import onnxruntime

        from mmruas.deployment import onnx_session, run_onnx
        session = onnx_session(spec, threads=threads, spin=False)
        return (lambda x: run_onnx(session, x)), f'ONNX Runtime {onnxruntime.__version__}'
    if spec.endswith('.pt2'):
        if not osp.isfile(spec):
            raise ToolError(f'--other {spec}: no such file')
        _refuse_untrusted(spec, PT2, trusted)
        try:
            with _quiet_loggers('torch.export', 'torch._export'):
                module = torch.export.load(spec).module()
        except (RuntimeError, ValueError, KeyError, AssertionError, zipfile.BadZipFile,
                EOFError) as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
            raise ToolError(f'--other {spec}: not a torch.export file ({first})') from None
        return torch_runner(module), f'torch.export {osp.basename(spec)}'
    if osp.isfile(spec):
        _refuse_untrusted(spec, TORCHSCRIPT, trusted)
        try:
            module = torch.jit.load(spec, map_location='cpu').eval()
        except RuntimeError as exc:
            first = (str(exc).strip().splitlines() or ['RuntimeError'])[0][:160]
            raise ToolError(f'--other {spec}: not a TorchScript file ({first})') from None
        return torch_runner(module), f'TorchScript {osp.basename(spec)}'
    module = _import_factory(spec)(**factory_args)
    if not isinstance(module, torch.nn.Module):
        raise ToolError(f'--other {spec}: the factory returned a {type(module).__name__}, '
                        'not an nn.Module')
    return torch_runner(module.eval()), f'PyTorch {spec}'


def _timed(run: Runner, x: torch.Tensor) -> tuple[float, list]:
    start = time.perf_counter()
    out = run(x)
    return time.perf_counter() - start, out


def gates(graph: torch.nn.Module, x: torch.Tensor) -> str:
    """RUAS_A's per-image gate ('open'/'shut'), '-' for other models."""
    scene = getattr(graph, 'scene', None)
    if scene is None or getattr(scene, 'estimator', None) is None:
        return '-'
    with torch.inference_mode():
        gate = scene(x).gate
    return ','.join('open' if g else 'shut' for g in gate.tolist())


def difference(a: list, b: list, where: str, sides: tuple[str, str] = ('mmruas', 'other')
               ) -> float:
    """:func:`max_abs_diff` of two runs' outputs; ToolError naming ``where`` when it is not
    finite (a side holds NaN/Inf, or the outputs differ in number or shape)."""
    diff = max_abs_diff(a, b)
    if not math.isfinite(diff):
        bad = [side for side, outs in zip(sides, (a, b)) if not all_finite(outs)]
        why = (f'the {" and the ".join(bad)} output holds NaN or Inf' if bad
               else 'the outputs differ in number or shape')
        raise ToolError(f'{where}: {why} (max abs diff {diff}); no figures written')
    return diff


def latency(ours: Runner, other: Runner, inputs: list[torch.Tensor], repeats: int,
            warmup: int, names: list[str] | None = None) -> list[dict]:
    """Per image: median seconds of both sides, interleaved, and max abs difference
    (ToolError naming the image when it is not finite)."""
    times = [([], []) for _ in inputs]
    diffs = []
    for i, x in enumerate(inputs):
        for _ in range(warmup):
            ours(x), other(x)
        diffs.append(difference(ours(x), other(x), names[i] if names else f'image {i}'))
    for r in range(repeats):
        for i, x in enumerate(inputs):
            order = (0, 1) if r % 2 == 0 else (1, 0)
            for side in order:
                times[i][side].append(_timed((ours, other)[side], x)[0])
    return [dict(ours_s=statistics.median(a), other_s=statistics.median(b),
                 ratio=statistics.median(a) / statistics.median(b), max_abs_diff=d)
            for (a, b), d in zip(times, diffs)]


def throughput(run: Runner, inputs: list[torch.Tensor], batch: int, repeats: int,
               warmup: int, desc: str = 'model') -> dict:
    """Images/s of one forward on ``batch`` images vs the same images one by one
    (ToolError when their outputs are not finite)."""
    same = [x for x in inputs if x.shape == inputs[0].shape]
    if not same:
        raise ToolError('no images to batch')
    pick = [same[i % len(same)] for i in range(batch)]
    stacked = torch.cat(pick)
    singles = zip(*[run(x) for x in pick])
    diff = difference(run(stacked), [np.concatenate([np.asarray(o) for o in outs])
                                     for outs in singles],
                      f'{desc}, a batch of {batch}', ('batched', 'one-by-one'))
    for _ in range(warmup):
        run(stacked), [run(x) for x in pick]
    batched, single = [], []
    for r in range(repeats):
        for which in ((0, 1) if r % 2 == 0 else (1, 0)):
            if which == 0:
                batched.append(_timed(run, stacked)[0])
            else:
                single.append(sum(_timed(run, x)[0] for x in pick))
    b, s = statistics.median(batched), statistics.median(single)
    return dict(batch=batch, size=list(stacked.shape[-2:]), batched_img_s=batch / b,
                single_img_s=batch / s, speedup=s / b, max_abs_diff_batch_vs_single=diff)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.other and not args.other.endswith('.onnx') and osp.isfile(args.other):
        # before anything is loaded
        _refuse_untrusted(args.other, PT2 if args.other.endswith('.pt2') else TORCHSCRIPT,
                          args.trust_other)
    paths = collect_images(args.images)
    if args.out:    # every input, by inode too, before anything runs
        check_new_output(args.out, overwrite=args.overwrite,
                         inputs=[args.config, args.checkpoint, *paths,
                                 *other_inputs(args.other)])
    torch.set_num_threads(args.threads)
    graph = load_graph(args.config, args.checkpoint, args.cfg_options)
    inputs = load_inputs(paths, graph)
    ours = torch_runner(graph)
    sides = [('mmruas (PyTorch)', ours)]
    if args.other:
        run, desc = other_runner(args.other, args.threads, args.factory_args,
                                 args.trust_other)
        sides.append((desc, run))
    load = os.getloadavg()[0]
    print(f'torch {torch.__version__}, {args.threads} thread(s), load average {load:.2f}, '
          f'{len(inputs)} image(s), {args.repeats} repeats after {args.warmup} warm-up')
    result: dict = dict(threads=args.threads, load_average=load, repeats=args.repeats,
                        images=[osp.basename(p) for p in paths])
    if args.mode == 'throughput':
        result['throughput'] = {}
        for desc, run in sides:
            row = throughput(run, inputs, args.batch, args.repeats, args.warmup, desc)
            result['throughput'][desc] = row
            print(f'{desc}: batch {row["batch"]} at {row["size"][0]}x{row["size"][1]}: '
                  f'{row["batched_img_s"]:.2f} img/s batched vs {row["single_img_s"]:.2f} '
                  f'img/s one by one (x{row["speedup"]:.2f}; max abs diff batched vs single '
                  f'{row["max_abs_diff_batch_vs_single"]:.3g})')
    else:
        if not args.other:
            raise ToolError('--mode latency needs --other (an ONNX file, a TorchScript file '
                            'or module:function)')
        rows = latency(ours, sides[1][1], inputs, args.repeats, args.warmup, paths)
        print(f'{"image":<16} {"size":>9} {"mmruas ms":>10} {"other ms":>10} {"ratio":>7} '
              f'{"max|diff|":>10}  gate   (other: {sides[1][0]})')
        for path, x, row in zip(paths, inputs, rows):
            row.update(image=osp.basename(path), gate=gates(graph, x))
            print(f'{row["image"]:<16} {x.shape[2]:>4}x{x.shape[3]:<4} '
                  f'{1e3 * row["ours_s"]:>10.2f} {1e3 * row["other_s"]:>10.2f} '
                  f'{row["ratio"]:>7.3f} {row["max_abs_diff"]:>10.3g}  {row["gate"]}')
        geo = math.exp(statistics.fmean(math.log(r['ratio']) for r in rows))
        result.update(latency=rows, geometric_mean_ratio=geo, other=sides[1][0])
        print(f'geometric mean of mmruas / other: {geo:.3f}; max abs diff over all images '
              f'{max(r["max_abs_diff"] for r in rows):.3g}')
    if args.out:
        write_json(args.out, result, overwrite=args.overwrite)
    return 0


if __name__ == '__main__':
    run_tool(main)
