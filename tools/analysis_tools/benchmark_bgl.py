"""Cost of BGL's solvers: time per outer iteration and peak memory of TBGL and IBGL.

    python tools/analysis_tools/benchmark_bgl.py configs/bgl/bgl_sid_tbgl.py
        [--shape 512 512] [--batch-size 2] [--k 80] [--delta 0.01] [--device auto]
        [--warmup 1] [--iters 3] [--out results.json] [--cfg-options ...]

BGL Table 4's memory column (TBGL 5,781 MB, IBGL 12,605 MB of GPU memory on SID, batch 2,
crops 512, k = 80; BGL §4.1): ``--device auto`` (the default) measures on CUDA when it is
present and on the CPU otherwise; the printed ``peak memory:`` line says which.

One run, the same model initialisation (seed 0) and the same random packed-RAW batch
(``--shape`` is the full-resolution crop, the block sees half of it) and upper batch for
both solvers; ``--k`` and ``--delta`` replace the config's solver settings. Each solver is
measured in its own child process (so that memory freed by one cannot be reused by the
other): ``--warmup`` untimed outer iterations, then ``--iters`` timed ones (median kept).
IBGL's k − 1 fresh lower batches per outer iteration repeat the same batch (the block's
forward pass on each is in the cost).

Peak memory: on CUDA ``torch.cuda.max_memory_allocated`` during the timed iterations
minus the allocation before them (``peak_total_mib``: the whole peak, model, optimiser
state and batch included, the figure nearest to a GPU-usage column); on CPU the growth of
the process's peak resident set (``VmHWM`` of ``/proc/self/status``, reset through
``/proc/self/clear_refs`` right before the timed iterations) over the resident set at that
moment, i.e. the extra memory the iterations needed (tensors, autograd graphs, allocator
slack). The paper's figures are
GPU memory: TBGL 5.8 GB, IBGL 12.6 GB (docs/method.md#bilevel-generative-learning).
"""
from __future__ import annotations

import argparse
import copy
import itertools
import json
import os
import re
import statistics
import subprocess
import sys
import time

import torch

import mmruas  # noqa: F401  (applies the torch-2.14 compatibility fixes)
from mmruas.utils.cli import DictAction, ToolError, load_config, run_tool
from mmruas.utils.safe_io import check_new_output, write_json


def _status_kb(key: str) -> int:
    with open('/proc/self/status') as f:
        m = re.search(rf'^{key}:\s+(\d+)\s+kB', f.read(), re.M)
    if m is None:
        raise ToolError(f'/proc/self/status has no {key}: CPU peak memory needs Linux')
    return int(m.group(1))


def _batch(shape, batch_size: int, seed: int) -> dict:
    from mmengine.structures import BaseDataElement

    h, w = shape
    gen = torch.Generator().manual_seed(seed)
    samples = []
    for _ in range(batch_size):
        s = BaseDataElement(metainfo=dict(img_shape=(h, w), gt_max_value=65535.0))
        s.gt_img = torch.randint(0, 65536, (3, h, w), generator=gen, dtype=torch.int32)
        samples.append(s)
    return dict(inputs=[torch.rand(4, h // 2, w // 2, generator=gen) * 0.3
                        for _ in range(batch_size)], data_samples=samples)


def measure(cfg, solver: dict, args) -> dict:
    """Median seconds per outer iteration and peak extra memory (MiB) of one solver."""
    from mmengine.registry import init_default_scope

    from mmruas.registry import MODELS, OPTIM_WRAPPER_CONSTRUCTORS

    init_default_scope(cfg.get('default_scope', 'mmruas'))
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.solver = solver
    torch.manual_seed(0)
    model = MODELS.build(model_cfg).to(args.device).train()
    ow = cfg.optim_wrapper.to_dict()
    constructor = ow.pop('constructor', None)
    if constructor != 'BGLOptimWrapperConstructor':
        raise ToolError(f'{args.config}: optim_wrapper.constructor must be '
                        f"'BGLOptimWrapperConstructor', got {constructor!r}")
    wrappers = OPTIM_WRAPPER_CONSTRUCTORS.build(dict(type=constructor,
                                                     optim_wrapper_cfg=ow))(model)
    data = _batch(args.shape, args.batch_size, 1)
    # IBGL's fresh lower batches (BGLHook: the loop's stream); the same data here, so the
    # cost measured includes the block's forward pass on every lower batch
    model.set_search_step('bilevel', _batch(args.shape, args.batch_size, 2),
                          lower_batches=itertools.repeat(data))
    cuda = args.device.startswith('cuda')
    for _ in range(args.warmup):
        model.train_step(data, wrappers)
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
    else:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')       # VmHWM := VmRSS
        base = _status_kb('VmRSS') * 1024
    times = []
    for _ in range(args.iters):
        if cuda:
            torch.cuda.synchronize()
        start = time.perf_counter()
        model.train_step(data, wrappers)
        if cuda:
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    total = torch.cuda.max_memory_allocated() if cuda else _status_kb('VmHWM') * 1024
    return dict(solver=solver['type'], settings=solver, s_per_outer_iter=statistics.median(times),
                times=times, peak_extra_mib=(total - base) / 2 ** 20,
                peak_total_mib=total / 2 ** 20,
                memory='GPU: torch.cuda.max_memory_allocated' if cuda
                else 'CPU peak RSS (VmHWM) growth')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='a BGL config (its model, optimisers)')
    parser.add_argument('--shape', type=int, nargs=2, default=[256, 256], metavar=('H', 'W'),
                        help='full-resolution crop (even); the packed RAW is half of it')
    parser.add_argument('--batch-size', type=int, default=2)
    parser.add_argument('--k', type=int, default=80, help='IBGL lower steps')
    parser.add_argument('--delta', type=float, default=0.01, help='TBGL finite-difference δ')
    parser.add_argument('--device', default='auto',
                        help="auto (cuda when present, else cpu), cpu or cuda[:N]")
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--iters', type=int, default=3)
    parser.add_argument('--out', help='also write the results to this JSON file')
    parser.add_argument('--overwrite', action='store_true', help='replace an existing --out')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings')
    parser.add_argument('--only', choices=('TBGL', 'IBGL'), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if min(args.shape) < 2 or any(s % 2 for s in args.shape) or args.batch_size < 1 \
            or args.iters < 1 or args.warmup < 0 or args.k < 1 or args.delta <= 0:
        raise ToolError('--shape must be even and >= 2, --batch-size/--iters/--k positive, '
                        '--warmup >= 0, --delta > 0')
    if args.device == 'auto':
        args.device = 'cuda' if torch.cuda.is_available() else 'cpu'
        if '--device' not in sys.argv:      # the children measure on the same device
            sys.argv += ['--device', args.device]
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        raise ToolError(f'--device {args.device}: CUDA is not available')
    if args.out:
        check_new_output(args.out, overwrite=args.overwrite, inputs=[args.config])
    cfg = load_config(args.config, args.cfg_options)
    solvers = dict(TBGL=dict(type='TBGL', delta=args.delta), IBGL=dict(type='IBGL', k=args.k))
    if args.only:        # child process: one solver, one JSON line on stdout
        print(json.dumps(measure(cfg, solvers[args.only], args)))
        return
    rows = []
    for name in solvers:
        cmd = [sys.executable, os.path.abspath(__file__), *sys.argv[1:], '--only', name]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            tail = (proc.stderr.strip().splitlines() or ['no output'])[-1]
            raise ToolError(f'{name} measurement failed: {tail}')
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    h, w = args.shape
    print(f'{args.config}: BGL outer iterations, batch {args.batch_size} x {h}x{w} '
          f'(packed RAW {h // 2}x{w // 2}), device {args.device}, torch {torch.__version__}, '
          f'{torch.get_num_threads()} CPU threads, warmup {args.warmup}, iters {args.iters}')
    print(f'peak memory: {rows[0]["memory"]}')
    print('| solver | settings | s / outer iteration | peak memory (MiB) | × TBGL memory '
          '| peak total (MiB) |')
    print('|---|---|---:|---:|---:|---:|')
    for r in rows:
        extra = {k: v for k, v in r['settings'].items() if k != 'type'}
        ratio = r['peak_extra_mib'] / rows[0]['peak_extra_mib']
        print(f'| {r["solver"]} | {extra} | {r["s_per_outer_iter"]:.3f} | '
              f'{r["peak_extra_mib"]:.1f} | {ratio:.2f} | {r["peak_total_mib"]:.1f} |')
    print('BGL Table 4 (GPU, SID): TBGL 5,781 MB, IBGL 12,605 MB (× 2.18)')
    if args.out:
        meta = dict(config=args.config, device=args.device, shape=list(args.shape),
                    batch_size=args.batch_size, warmup=args.warmup, iters=args.iters,
                    torch=torch.__version__, num_threads=torch.get_num_threads())
        write_json(args.out, dict(meta, results=rows), overwrite=args.overwrite)
        print(f'results written to {args.out}')


if __name__ == '__main__':
    run_tool(main)
