"""Cost table of the main configs: train, search and inference steps, peak memory, BGL.

    python tools/analysis_tools/benchmark_cost.py [--configs ssd_exdark dsfd_darkface
        deeplabv3plus_acdc enhance_lol5 bgl_sid] [--device auto] [--size H W]
        [--batch-size N] [--infer-batches 1 8] [--warmup 2] [--iters 10]
        [--bgl-shape 512 512] [--bgl-k 80] [--out cost.md] [--overwrite]

What a GPU user asks first (issue "CUDA for real"), measured on synthetic inputs of the
configs' own train sizes (``--size`` replaces them) with random weights (they do not change
the work done):

- **train step**: one ``train_step`` (forward, backward, optimiser step) of the main config
  (task module behind the RUAS scene module) beside its task-module-only twin (``plain``;
  the scene module is the whole model of the enhancement config, which has none), and the
  search config's second-order scene and task steps beside its plain step (phase
  ``warmup``: ω only; docs/method.md#one-step-hypergradient). All steps of one config are
  timed interleaved, round by round, in one process: the ratios are taken from the same
  run (median of ``--iters`` after ``--warmup`` rounds; on CUDA synchronised around each).
- **inference**: images/s of the main config's exported form (``mmruas.deployment``'s
  graph: preprocessor with the scene module, then the task network) at each of
  ``--infer-batches``, in fp32, under AMP (``torch.autocast`` fp16, CUDA only) and in
  channels-last memory format, interleaved.
- **peak memory** of each built variant, as the growth from before it was built (model,
  optimiser state, one train step): ``torch.cuda.max_memory_allocated`` on CUDA, the
  process's peak resident set (``VmHWM``) on the CPU, labelled so. Each config runs in its
  own child process; the main config is built first. On the CPU a variant built later can
  reuse memory the allocator kept from an earlier one, so its growth may read low.
- **TBGL vs IBGL**: ``tools/analysis_tools/benchmark_bgl.py`` run as it is (BGL Table 4:
  GPU memory TBGL 5,781 MB, IBGL 12,605 MB on SID, batch 2, crops 512, k = 80).

The markdown table is printed and, with ``--out``, written atomically (mmruas.utils.safe_io).
"""
from __future__ import annotations

import argparse
import copy
import json
import os.path as osp
import statistics
import subprocess
import sys
import tempfile
import time

import torch

import mmruas  # noqa: F401  (applies the torch-2.14 compatibility fixes)
from mmruas.utils.cli import ToolError, run_tool
from mmruas.utils.safe_io import check_new_output, write_text

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# name: (task, main config, task-module-only twin or None, search config, train size H W)
GROUPS = {
    'ssd_exdark': ('det', 'configs/ruas_ssd_exdark.py',
                   'configs/ruas_ssd_exdark/ruas_ssd_exdark_tm.py',
                   'configs/ruas_ssd_exdark/ruas_ssd_exdark_search.py', (300, 300)),
    'dsfd_darkface': ('det', 'configs/ruas_dsfd_darkface.py',
                      'configs/ruas_dsfd_darkface/ruas_dsfd_darkface_baseline_no_scene.py',
                      'configs/ruas_dsfd_darkface/ruas_dsfd_darkface_search.py', (640, 640)),
    'deeplabv3plus_acdc': ('seg', 'configs/ruas_deeplabv3plus_acdc.py',
                           'configs/ruas_deeplabv3plus_acdc/deeplabv3plus_acdc_tm.py',
                           'configs/ruas_deeplabv3plus_acdc/ruas_deeplabv3plus_acdc_search.py',
                           (512, 1024)),
    'enhance_lol5': ('enhance', 'configs/ruas_enhance/lol5/ruas_lol5_authors_recipe.py', None,
                     'configs/ruas_enhance/search/ruas_search_lol5.py', (320, 320)),
}
BGL = ('bgl_sid', 'configs/bgl/bgl_sid_tbgl.py')
TRAIN_COLS = ('plain step (ms)', 'scene step (ms)', 'scene / plain',
              'search plain step (ms)', 'search scene step (ms)', 'scene-search / plain',
              'search task step (ms)', 'task-search / plain')


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--configs', nargs='+', choices=[*GROUPS, BGL[0]],
                        default=[*GROUPS, BGL[0]], help='which rows (default: all)')
    parser.add_argument('--device', default='auto',
                        help='auto (cuda when present, else cpu), cpu or cuda[:N]')
    parser.add_argument('--size', type=int, nargs=2, metavar=('H', 'W'),
                        help="synthetic input size (default: each config's train size)")
    parser.add_argument('--batch-size', type=int,
                        help="train batch (default: each config's train_dataloader's)")
    parser.add_argument('--infer-batches', type=int, nargs='+', default=[1, 8])
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--iters', type=int, default=10)
    parser.add_argument('--bgl-shape', type=int, nargs=2, default=[512, 512],
                        metavar=('H', 'W'))
    parser.add_argument('--bgl-k', type=int, default=80)
    parser.add_argument('--out', help='also write the markdown table to this file')
    parser.add_argument('--overwrite', action='store_true', help='replace an existing --out')
    parser.add_argument('--only', choices=list(GROUPS), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if (args.size and min(args.size) < 32) or args.iters < 1 or args.warmup < 0 \
            or min(args.infer_batches) < 1 or (args.batch_size or 1) < 1:
        raise ToolError('--size must be >= 32, --iters/--batch-size/--infer-batches '
                        'positive, --warmup >= 0')
    if args.device == 'auto':
        args.device = 'cuda' if torch.cuda.is_available() else 'cpu'
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        raise ToolError(f'--device {args.device}: CUDA is not available')
    return args


# ------------------------------------------------------------------ child: one config
def _offline(node) -> None:
    """No weight file is read: ``scene_checkpoint`` / ``pretrained`` / Pretrained init off."""
    if isinstance(node, dict):
        for key in ('scene_checkpoint', 'pretrained'):
            if node.get(key) is not None:
                node[key] = None
        if isinstance(node.get('init_cfg'), dict) and \
                node['init_cfg'].get('type') == 'Pretrained':
            node['init_cfg'] = None
        for value in node.values():
            _offline(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _offline(value)


def _samples(task: str, n: int, h: int, w: int, gen: torch.Generator) -> list:
    """Data samples a train step reads: two boxes per image (det), a label map (seg), the
    white level only (unsupervised enhancement)."""
    meta = dict(img_shape=(h, w), ori_shape=(h, w), pad_shape=(h, w), scale_factor=(1.0, 1.0),
                flip=False, max_value=255)
    out = []
    for _ in range(n):
        if task == 'det':
            from mmdet.structures import DetDataSample
            from mmengine.structures import InstanceData
            s = DetDataSample(metainfo=meta)
            s.gt_instances = InstanceData(
                bboxes=torch.tensor([[0.1 * w, 0.1 * h, 0.5 * w, 0.6 * h],
                                     [0.4 * w, 0.3 * h, 0.9 * w, 0.9 * h]]),
                labels=torch.tensor([0, 0]))
        elif task == 'seg':
            from mmengine.structures import PixelData
            from mmseg.structures import SegDataSample
            s = SegDataSample(metainfo=meta)
            s.gt_sem_seg = PixelData(data=torch.randint(0, 19, (1, h, w), generator=gen))
        else:
            from mmengine.structures import BaseDataElement
            s = BaseDataElement(metainfo=meta)
        out.append(s)
    return out


def _batch(task: str, n: int, size, device: str, seed: int) -> dict:
    gen = torch.Generator().manual_seed(seed)
    h, w = size
    return dict(inputs=[torch.randint(0, 80, (3, h, w), dtype=torch.uint8, generator=gen)
                        .to(device) for _ in range(n)],
                data_samples=_samples(task, n, h, w, gen))


def _config(path: str):
    """The config of ``path``, offline, with its scope's modules imported (so that the
    memory measured next holds no module import)."""
    from mmengine.registry import MODELS, DefaultScope

    from mmruas.utils.cli import load_config

    cfg = load_config(osp.join(REPO, path))
    _offline(cfg.model)
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'mmruas')):
        MODELS.get(cfg.model.type)
    return cfg


def _build(cfg, device: str):
    """(model in train mode, its optimiser wrapper(s)) of ``cfg``."""
    from mmengine.model import revert_sync_batchnorm
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import DefaultScope

    from mmruas.registry import OPTIM_WRAPPER_CONSTRUCTORS
    from mmruas.utils.checkpoints import build_model

    torch.manual_seed(0)
    # one process, no process group: SyncBN (the segmentors') as plain BN, as mmengine's
    # Runner does when not distributed
    model = revert_sync_batchnorm(build_model(cfg)).to(device).train()
    ow = cfg.optim_wrapper.to_dict()
    constructor = ow.pop('constructor', None)
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'mmruas')):
        if constructor is None:
            wrapper = build_optim_wrapper(model, ow)
        else:
            wrapper = OPTIM_WRAPPER_CONSTRUCTORS.build(
                dict(type=constructor, optim_wrapper_cfg=ow))(model)
    return model, wrapper


class _Memory:
    """Growth of the peak memory from :meth:`start` to :meth:`peak_mib`."""

    def __init__(self, device: str) -> None:
        self.cuda = device.startswith('cuda')
        self.what = ('GPU, torch.cuda.max_memory_allocated' if self.cuda
                     else 'CPU peak RSS (VmHWM) growth')

    def start(self) -> None:
        if self.cuda:
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            self.base = torch.cuda.memory_allocated()
        else:
            from benchmark_bgl import _status_kb
            with open('/proc/self/clear_refs', 'w') as f:
                f.write('5')       # VmHWM := VmRSS
            self.base = _status_kb('VmRSS') * 1024

    def peak_mib(self) -> float:
        if self.cuda:
            torch.cuda.synchronize()
            return (torch.cuda.max_memory_allocated() - self.base) / 2 ** 20
        from benchmark_bgl import _status_kb
        return (_status_kb('VmHWM') * 1024 - self.base) / 2 ** 20


def interleaved(steps: dict, warmup: int, iters: int, cuda: bool) -> dict[str, float]:
    """Median seconds of each callable of ``steps``, timed round by round (interleaved)."""
    times: dict[str, list[float]] = {k: [] for k in steps}
    for i in range(warmup + iters):
        for name, fn in steps.items():
            if cuda:
                torch.cuda.synchronize()
            start = time.perf_counter()
            fn()
            if cuda:
                torch.cuda.synchronize()
            if i >= warmup:
                times[name].append(time.perf_counter() - start)
    return {k: statistics.median(v) for k, v in times.items()}


def measure(args: argparse.Namespace, group: tuple) -> dict:
    """Train/search step times, inference images/s and peak memory of one config group."""
    from mmruas.deployment import graph_for

    task, main_cfg, plain_cfg, search_cfg, size = group
    size = tuple(args.size or size)
    cuda = args.device.startswith('cuda')
    mem, memory, steps = _Memory(args.device), {}, {}
    batch_size = args.batch_size
    models = {}
    for variant, path in (('scene', main_cfg), ('plain', plain_cfg), ('search', search_cfg)):
        if path is None:
            continue
        cfg = _config(path)
        mem.start()
        model, wrapper = _build(cfg, args.device)
        batch_size = batch_size or cfg.train_dataloader.batch_size
        data = _batch(task, batch_size, size, args.device, 1)
        if variant == 'search':
            val = _batch(task, batch_size, size, args.device, 2)
            order = next((h.get('order', 2) for h in cfg.get('custom_hooks', [])
                          if 'order' in h), 2)

            def step(phase, model=model, wrapper=wrapper, data=data, val=val, order=order):
                model.set_search_step(phase, val, order=order)
                model.train_step(data, wrapper)
            step('warmup')
            for phase in ('warmup', 'scene', 'task'):
                steps[f'search_{"plain" if phase == "warmup" else phase}'] = \
                    lambda phase=phase, step=step: step(phase)
        else:
            model.train_step(data, wrapper)
            steps[variant] = lambda model=model, wrapper=wrapper, data=data: \
                model.train_step(data, wrapper)
        memory[f'{variant} ({osp.basename(path)}, train step)'] = mem.peak_mib()
        models[variant] = model
    train = interleaved(steps, args.warmup, args.iters, cuda)

    graph = graph_for(models['scene'])
    last = copy.deepcopy(graph).to(memory_format=torch.channels_last)
    gen = torch.Generator().manual_seed(3)
    scale = 0.3 if task == 'enhance' else 80.0     # RGB in [0, 1] / the pipeline's 0..255
    infer = {}
    for b in args.infer_batches:
        x = (torch.rand(b, 3, *size, generator=gen) * scale).to(args.device)
        xl = x.contiguous(memory_format=torch.channels_last)

        def amp(x=x):
            with torch.autocast('cuda', dtype=torch.float16):
                graph(x)
        modes = dict(fp32=lambda x=x: graph(x), channels_last=lambda xl=xl: last(xl))
        if cuda:
            modes['amp'] = amp
        with torch.inference_mode():
            med = interleaved({f'{m}/{b}': f for m, f in modes.items()}, args.warmup,
                              args.iters, cuda)
        for key, sec in med.items():
            mode = key.split('/')[0]
            infer.setdefault(mode, {})[str(b)] = b / sec
    infer.setdefault('amp', None)
    return dict(size=list(size), batch=batch_size, memory=mem.what, memory_mib=memory,
                train_ms={k: v * 1e3 for k, v in train.items()}, infer_ips=infer)


def _child_argv(args: argparse.Namespace, name: str) -> list[str]:
    argv = ['--device', args.device, '--warmup', str(args.warmup), '--iters', str(args.iters),
            '--infer-batches', *map(str, args.infer_batches), '--only', name]
    if args.size:
        argv += ['--size', *map(str, args.size)]
    if args.batch_size:
        argv += ['--batch-size', str(args.batch_size)]
    return argv


def _run(cmd: list[str], what: str) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ['no output'])[-1]
        raise ToolError(f'{what} failed: {tail}')
    return proc.stdout


def measure_group(args: argparse.Namespace, name: str) -> dict:
    """One config's figures, measured in a child process (see the module doc)."""
    out = _run([sys.executable, osp.abspath(__file__), *_child_argv(args, name)], name)
    return json.loads(out.strip().splitlines()[-1])


def measure_bgl(args: argparse.Namespace) -> dict:
    """``benchmark_bgl.py`` on the SID TBGL config (both solvers), through its --out."""
    with tempfile.TemporaryDirectory() as tmp:
        path = osp.join(tmp, 'bgl.json')
        _run([sys.executable, osp.join(REPO, 'tools/analysis_tools/benchmark_bgl.py'),
              BGL[1], '--shape', *map(str, args.bgl_shape), '--k', str(args.bgl_k),
              '--device', args.device, '--warmup', str(min(args.warmup, 1)),
              '--iters', str(min(args.iters, 3)), '--out', path], 'benchmark_bgl.py')
        with open(path) as f:
            return json.load(f)


def _f(x: float | None, digits: int = 2) -> str:
    return 'n/a' if x is None else f'{x:.{digits}f}'


def markdown(args: argparse.Namespace, groups: dict[str, dict], bgl: dict | None) -> str:
    """The cost table (train, inference, memory, BGL sections)."""
    threads = torch.get_num_threads()
    dev = (torch.cuda.get_device_name(args.device) if args.device.startswith('cuda')
           else f'CPU, {threads} threads')
    lines = [f'Cost table ({dev}; torch {torch.__version__}; warmup {args.warmup}, iters '
             f'{args.iters}, medians, interleaved; random weights, synthetic inputs)', '']
    if groups:
        lines += ['| config | input | batch | ' + ' | '.join(TRAIN_COLS) + ' |',
                  '|---|---|---:|' + '---:|' * len(TRAIN_COLS)]
        for name, g in groups.items():
            t = g['train_ms']
            plain, scene = t.get('plain'), t.get('scene')
            sp, ss, st = t.get('search_plain'), t.get('search_scene'), t.get('search_task')
            cells = [_f(plain), _f(scene), _f(scene / plain, 3) if plain else 'n/a',
                     _f(sp), _f(ss), _f(ss / sp, 3), _f(st), _f(st / sp, 3)]
            lines.append(f'| {name} | {g["size"][0]}x{g["size"][1]} | {g["batch"]} | '
                         + ' | '.join(cells) + ' |')
        batches = args.infer_batches
        lines += ['', '| config | inference | ' + ' | '.join(
            f'batch {b} (images/s)' for b in batches) + ' |', '|---|---|' + '---:|' * len(batches)]
        for name, g in groups.items():
            for mode in ('fp32', 'amp', 'channels_last'):
                ips = g['infer_ips'].get(mode)
                cells = ['n/a (CPU)' if ips is None else _f(ips[str(b)]) for b in batches]
                lines.append(f'| {name} | {mode} | ' + ' | '.join(cells) + ' |')
        what = next(iter(groups.values()))['memory']
        lines += ['', f'| config | variant | peak memory (MiB; {what}) |', '|---|---|---:|']
        for name, g in groups.items():
            for variant, mib in g['memory_mib'].items():
                lines.append(f'| {name} | {variant} | {mib:.1f} |')
    if bgl is not None:
        r = {row['solver']: row for row in bgl['results']}
        h, w = bgl['shape']
        lines += ['', f'| BGL (SID, batch {bgl["batch_size"]}, {h}x{w}) | s / outer iteration '
                  f'| peak memory (MiB; {r["TBGL"]["memory"]}) | × TBGL memory |',
                  '|---|---:|---:|---:|']
        for solver in ('TBGL', 'IBGL'):
            row = r[solver]
            lines.append(f'| {solver} {row["settings"]} | {row["s_per_outer_iter"]:.3f} | '
                         f'{row["peak_extra_mib"]:.1f} | '
                         f'{row["peak_extra_mib"] / r["TBGL"]["peak_extra_mib"]:.2f} |')
        lines.append('| BGL Table 4 (GPU memory) | | TBGL 5,781 MB, IBGL 12,605 MB | 2.18 |')
    return '\n'.join(lines) + '\n'


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.only:       # child process: one config, one JSON line on stdout
        sys.path.insert(0, osp.dirname(osp.abspath(__file__)))   # benchmark_bgl's helpers
        print(json.dumps(measure(args, GROUPS[args.only])))
        return
    if args.out:
        check_new_output(args.out, overwrite=args.overwrite)
    groups = {name: measure_group(args, name) for name in args.configs if name in GROUPS}
    bgl = measure_bgl(args) if BGL[0] in args.configs else None
    text = markdown(args, groups, bgl)
    print(text, end='')
    if args.out:
        write_text(args.out, text, overwrite=args.overwrite)
        print(f'table written to {args.out}')


if __name__ == '__main__':
    run_tool(main)
