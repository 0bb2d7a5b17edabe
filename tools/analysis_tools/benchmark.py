"""Speed of a config's model: inference latency, or the cost of search steps.

    python tools/analysis_tools/benchmark.py CONFIG [--checkpoint C] [--device cpu]
        [--shape H W] [--batch-sizes 1 8] [--warmup 5] [--iters 20] [--out results.json]
    python tools/analysis_tools/benchmark.py SEARCH_CONFIG --mode search [--shape 128 128]
        [--batch-sizes 1]

``--mode search`` (a search config, e.g. ``configs/ruas_enhance/search/ruas_search_lol5.py``)
times, in one run on the same training and validation batches, a plain training step
(phase ``warmup``: ω only, one forward-backward of each side), first- and second-order
scene and task steps and a second-order global step, and prints each as a multiple of
the plain step (docs/method.md#one-step-hypergradient: a second-order step needs about five
forward-backward passes).

Each batch of random images in [0, 1] goes through the scene module under
``torch.no_grad()``; after ``--warmup`` untimed runs, ``--iters`` runs are timed one by
one (on CUDA, synchronised before and after each timed run) and the median is kept.
Random weights are used unless ``--checkpoint`` is given; they do not change the work
done (RUAS_A runs its NRM on every image).
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch

import mmruas  # noqa: F401  (applies the torch-2.14 compatibility fixes)
from mmruas.utils.checkpoints import build_model as checked_build
from mmruas.utils.checkpoints import load_weights
from mmruas.utils.cli import DictAction, ToolError, load_config, run_tool
from mmruas.utils.safe_io import check_new_output, write_json


def build_model(cfg, checkpoint: str | None, device: str) -> torch.nn.Module:
    from mmengine.registry import init_default_scope

    init_default_scope(cfg.get('default_scope', 'mmruas'))
    model = checked_build(cfg)
    if checkpoint is not None:
        load_weights(model, checkpoint, strict=True)
    return model.to(device).eval()


@torch.no_grad()
def time_batch(model: torch.nn.Module, x: torch.Tensor, warmup: int, iters: int) -> list[float]:
    """Seconds of each of ``iters`` timed forward passes after ``warmup`` untimed ones."""
    forward = model.scene if hasattr(model, 'scene') else model
    cuda = x.device.type == 'cuda'
    for _ in range(warmup):
        forward(x)
    times = []
    for _ in range(iters):
        if cuda:
            torch.cuda.synchronize(x.device)
        start = time.perf_counter()
        forward(x)
        if cuda:
            torch.cuda.synchronize(x.device)
        times.append(time.perf_counter() - start)
    return times


SEARCH_STEPS = (('plain', 'warmup', 1), ('scene, 1st order', 'scene', 1),
                ('task, 1st order', 'task', 1), ('scene, 2nd order', 'scene', 2),
                ('task, 2nd order', 'task', 2), ('joint, 2nd order', 'joint', 2))


def search_step_times(model, optim_wrapper, data: dict, val: dict, warmup: int,
                      iters: int) -> dict[str, list[float]]:
    """Seconds of ``iters`` timed ``train_step`` calls per entry of :data:`SEARCH_STEPS`.

    The kinds are interleaved round by round, so slow drifts of a shared machine hit
    them alike.
    """
    cuda = next(model.parameters()).device.type == 'cuda'
    times: dict[str, list[float]] = {name: [] for name, _, _ in SEARCH_STEPS}
    for i in range(warmup + iters):
        for name, phase, order in SEARCH_STEPS:
            model.set_search_step(phase, val, order=order)
            if cuda:
                torch.cuda.synchronize()
            start = time.perf_counter()
            model.train_step(data, optim_wrapper)
            if cuda:
                torch.cuda.synchronize()
            if i >= warmup:
                times[name].append(time.perf_counter() - start)
    return times


def benchmark_search(cfg, args) -> None:
    """``--mode search``: the step table (see module doc)."""
    from mmengine.registry import init_default_scope
    from mmengine.structures import BaseDataElement

    from mmruas.registry import MODELS, OPTIM_WRAPPER_CONSTRUCTORS

    init_default_scope(cfg.get('default_scope', 'mmruas'))
    model = MODELS.build(cfg.model).to(args.device).train()
    if not hasattr(model, 'search_groups'):
        raise ToolError(f'{args.config}: --mode search needs a search model (model.type '
                        f'{cfg.model.type!r} has no search_groups())')
    ow = cfg.optim_wrapper.to_dict()
    constructor = ow.pop('constructor', None)
    if constructor != 'SearchOptimWrapperConstructor':
        raise ToolError(f'{args.config}: optim_wrapper.constructor must be '
                        f"'SearchOptimWrapperConstructor', got {constructor!r}")
    wrappers = OPTIM_WRAPPER_CONSTRUCTORS.build(dict(type=constructor,
                                                     optim_wrapper_cfg=ow))(model)
    h, w = args.shape
    gen = torch.Generator().manual_seed(0)
    rows = []
    for bs in args.batch_sizes:
        data, val = (dict(inputs=[torch.randint(0, 80, (3, h, w), dtype=torch.uint8,
                                                generator=gen).to(args.device)
                                  for _ in range(bs)],
                          data_samples=[BaseDataElement(metainfo=dict(max_value=255))
                                        for _ in range(bs)]) for _ in range(2))
        times = search_step_times(model, wrappers, data, val, args.warmup, args.iters)
        plain = statistics.median(times['plain'])
        for name, _, _ in SEARCH_STEPS:
            med = statistics.median(times[name])
            rows.append(dict(batch_size=bs, step=name, median_ms=med * 1e3, ratio=med / plain))
    print(f'{args.config}: search steps, input {h}x{w}, device {args.device}, '
          f'torch {torch.__version__}, {torch.get_num_threads()} CPU threads, '
          f'warmup {args.warmup}, iters {args.iters} (interleaved)')
    print('| batch | step | median (ms) | × plain step |')
    print('|---:|---|---:|---:|')
    for r in rows:
        print(f'| {r["batch_size"]} | {r["step"]} | {r["median_ms"]:.1f} | {r["ratio"]:.2f} |')
    _write(args, rows)


def _write(args, rows: list[dict]) -> None:
    if args.out:
        meta = dict(config=args.config, mode=args.mode, checkpoint=args.checkpoint,
                    device=args.device, shape=list(args.shape), warmup=args.warmup,
                    iters=args.iters, torch=torch.__version__,
                    num_threads=torch.get_num_threads())
        write_json(args.out, dict(meta, results=rows), overwrite=args.overwrite)
        print(f'results written to {args.out}')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='config file')
    parser.add_argument('--checkpoint', help='checkpoint to load (default: random weights)')
    parser.add_argument('--mode', choices=('inference', 'search'), default='inference')
    parser.add_argument('--device', default='cpu', help='cpu or cuda[:N]')
    parser.add_argument('--shape', type=int, nargs=2, default=None, metavar=('H', 'W'),
                        help='default 400 600 (inference), 128 128 (search)')
    parser.add_argument('--batch-sizes', type=int, nargs='+', default=None,
                        help='default 1 8 (inference), 1 (search)')
    parser.add_argument('--warmup', type=int, default=5)
    parser.add_argument('--iters', type=int, default=20)
    parser.add_argument('--out', help='also write the results to this JSON file')
    parser.add_argument('--overwrite', action='store_true', help='replace an existing --out')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings')
    args = parser.parse_args()
    search = args.mode == 'search'
    args.shape = args.shape or ([128, 128] if search else [400, 600])
    args.batch_sizes = args.batch_sizes or ([1] if search else [1, 8])
    if min(args.shape) < 1 or min(args.batch_sizes) < 1 or args.iters < 1 or args.warmup < 0:
        raise ToolError('--shape, --batch-sizes and --iters must be positive, --warmup >= 0')
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        raise ToolError(f'--device {args.device}: CUDA is not available')
    if args.out:
        check_new_output(args.out, overwrite=args.overwrite, inputs=[args.config])
    cfg = load_config(args.config, args.cfg_options)
    if search:
        return benchmark_search(cfg, args)
    model = build_model(cfg, args.checkpoint, args.device)

    h, w = args.shape
    torch.manual_seed(0)
    rows = []
    for bs in args.batch_sizes:
        x = torch.rand(bs, 3, h, w, device=args.device)
        median = statistics.median(time_batch(model, x, args.warmup, args.iters))
        rows.append(dict(batch_size=bs, median_ms=median * 1e3,
                         ms_per_image=median * 1e3 / bs, images_per_s=bs / median))

    print(f'{args.config}: input {h}x{w}, device {args.device}, torch {torch.__version__}, '
          f'{torch.get_num_threads()} CPU threads, warmup {args.warmup}, iters {args.iters}')
    print('| batch | median latency (ms) | ms / image | images/s |')
    print('|---:|---:|---:|---:|')
    for r in rows:
        print(f'| {r["batch_size"]} | {r["median_ms"]:.1f} | {r["ms_per_image"]:.1f} '
              f'| {r["images_per_s"]:.2f} |')
    _write(args, rows)


if __name__ == '__main__':
    run_tool(main)
