"""Inference speed of a config's model: median latency and images/s per batch size.

    python tools/analysis_tools/benchmark.py CONFIG [--checkpoint C] [--device cpu]
        [--shape H W] [--batch-sizes 1 8] [--warmup 5] [--iters 20] [--out results.json]

Each batch of random images in [0, 1] goes through the scene module under
``torch.no_grad()``; after ``--warmup`` untimed runs, ``--iters`` runs are timed one by
one (on CUDA, synchronised before and after each timed run) and the median is kept.
Random weights are used unless ``--checkpoint`` is given; they do not change the work
done (RUAS_A runs its NRM on every image).
"""
from __future__ import annotations

import argparse
import json
import statistics
import time

import torch

import mmruas  # noqa: F401  (applies the torch-2.14 compatibility fixes)
from mmruas.utils.cli import DictAction, ToolError, load_config, run_tool


def build_model(cfg, checkpoint: str | None, device: str) -> torch.nn.Module:
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint

    from mmruas.registry import MODELS

    init_default_scope(cfg.get('default_scope', 'mmruas'))
    model = MODELS.build(cfg.model)
    if checkpoint is not None:
        load_checkpoint(model, checkpoint, map_location='cpu', strict=True, logger='silent')
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='config file')
    parser.add_argument('--checkpoint', help='checkpoint to load (default: random weights)')
    parser.add_argument('--device', default='cpu', help='cpu or cuda[:N]')
    parser.add_argument('--shape', type=int, nargs=2, default=[400, 600], metavar=('H', 'W'))
    parser.add_argument('--batch-sizes', type=int, nargs='+', default=[1, 8])
    parser.add_argument('--warmup', type=int, default=5)
    parser.add_argument('--iters', type=int, default=20)
    parser.add_argument('--out', help='also write the results to this JSON file')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings')
    args = parser.parse_args()
    if min(args.shape) < 1 or min(args.batch_sizes) < 1 or args.iters < 1 or args.warmup < 0:
        raise ToolError('--shape, --batch-sizes and --iters must be positive, --warmup >= 0')
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        raise ToolError(f'--device {args.device}: CUDA is not available')
    cfg = load_config(args.config, args.cfg_options)
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
    if args.out:
        meta = dict(config=args.config, checkpoint=args.checkpoint, device=args.device,
                    shape=[h, w], warmup=args.warmup, iters=args.iters,
                    torch=torch.__version__, num_threads=torch.get_num_threads())
        with open(args.out, 'w') as f:
            json.dump(dict(meta, results=rows), f, indent=2)
        print(f'results written to {args.out}')


if __name__ == '__main__':
    run_tool(main)
