"""What the scene module and the search buy: RUAS-TPAMI Tables VI and VIII in miniature.

Trains and tests, on one mini ExDark set (:func:`mmruas.det.datasets.make_mini_exdark`, the
default or the harder ``--preset hard``) and with one schedule, every row of :data:`ROWS`
for each of ``--seeds``; the detector is the demo's (configs/demo/demo_det_train.py: narrow
ResNet-18 SSD, input 192), each step is the project's own tools/train.py / tools/test.py on a
config written into ``WORK_DIR/configs`` (so any run can be repeated by hand)::

    python tools/analysis_tools/ablate_scene.py --work-dir work_dirs/ablate_hard \\
        --preset hard --seeds 0 1 2 [--rows tm hier ...] [--train-iters 300]

Shared steps, per seed: stage 1 of the published scene cell (rows ``hier``, ``ruas_s_tm``),
the cooperative search (``searched_tm``, ``ruas``) and stage 1 of its derived cell
(``ruas``); once: the mini set and, for ``enh_tm``, its images enhanced by the frozen
released RUAS_A (``--released-weights``, converted by tools/convert_released_ruas.py, written
by tools/enhance.py --keep-tree and read through ``enhanced_root``).

Resumable: each (row, seed) ends in ``WORK_DIR/results/<row>_s<seed>.json`` (written
atomically); a rerun skips those and redoes any other run from scratch, deleting the partial
run folder a killed run left; a shared step counts as done once its ``DONE.json`` exists.
One progress line per run. ``table.md`` / ``table.json`` (mean ± std of the test mAP over
seeds, mean per-class AP) and ``ablation.png`` are rewritten after each run (they are this
tool's own outputs). A failed run is reported and skipped; the exit status is 1 if any
failed.
"""
from __future__ import annotations

import argparse
import copy
import importlib.util
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)
from mmruas.evaluation.seed_stats import (  # noqa: E402
    compare_orders,
    orders_markdown,
    summarise_seeds,
)
from mmruas.utils.cli import ToolError, run_tool  # noqa: E402

DEFAULT_WEIGHTS = osp.join(osp.dirname(REPO), 'shared', 'reference', 'ruas-official',
                           'weights', 'lol.pt')
RELEASED_CFG = osp.join(REPO, 'configs', 'ruas_enhance', 'ruas_a_released.py')
TRAIN_CFG = osp.join(REPO, 'configs', 'demo', 'demo_det_train.py')
#: name → (what the row trains, the paper's row and figure). The neck/head are the
#: hand-designed ones (3x3 extras and head convs, as mmdet's SSD300), the published DARK
#: FACE genotypes (demo_det_train.py's default) or this seed's searched ones; "scene" is
#: RUAS_S in the data preprocessor, no scene = mmdet's DetDataPreprocessor (same mean/std).
ROWS: dict[str, tuple[str, str]] = {
    'tm': ('SSD, hand-designed neck/head, dark images, no scene module',
           'Table VIII TM 0.611'),
    'enh_tm': ('SSD, hand-designed neck/head, images enhanced once by frozen RUAS_A '
               '(released LOL weights)', 'Table X RUAS + SSD 0.536'),
    'e2e_lt': ('RUAS_S + SSD (published genotypes), end to end on ℓt',
               'Table VI ℓt 0.685'),
    'e2e_lt_ls': ('RUAS_S + SSD (published genotypes), end to end on ℓt + 0.1·ℓs',
                  'Table VI ℓt + λℓs 0.660'),
    'hier': ('RUAS_S + SSD (published genotypes), hierarchical: stage 1 on ℓs, then ℓt',
             'Table VI hierarchical 0.693'),
    'ruas_s_tm': ('RUAS_S (stage 1) + hand-designed neck/head', 'Table VIII RUAS_S+TM 0.639'),
    'searched_tm': ('searched neck/head alone (this seed\'s search), no scene module',
                    'Table VIII searched TM 0.655'),
    'ruas': ('scene and neck/head searched cooperatively, hierarchical',
             'Table VIII RUAS 0.685'),
}
HAND = dict(neck=['conv_3x3'] * 4, reg=['conv_3x3'] * 6, cls=['conv_3x3'] * 6)
#: The papers' orderings of these rows (lower, higher, where), checked on the seed means;
#: Welch's t-test over the seeds says whether a difference exceeds the spread over seeds.
ORDERINGS: list[tuple[str, str, str]] = [
    ('e2e_lt_ls', 'e2e_lt', 'Table VI: 0.660 < 0.685'),
    ('e2e_lt', 'hier', 'Table VI: 0.685 < 0.693'),
    ('tm', 'ruas_s_tm', 'Table VIII: 0.611 < 0.639'),
    ('tm', 'searched_tm', 'Table VIII: 0.611 < 0.655'),
    ('ruas_s_tm', 'searched_tm', 'Table VIII: 0.639 < 0.655'),
    ('searched_tm', 'ruas', 'Table VIII: 0.655 < 0.685'),
    ('tm', 'ruas', 'Table VIII: 0.611 < 0.685'),
    ('enh_tm', 'tm', 'Tables X / VIII: 0.536 < 0.611 (across two tables)'),
]


def load_demo():
    """tools/demo.py as a module (its config helpers and runners are reused here)."""
    spec = importlib.util.spec_from_file_location('mmruas_demo', osp.join(REPO, 'tools',
                                                                           'demo.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


demo = load_demo()


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--work-dir', default='work_dirs/ablate_scene')
    p.add_argument('--preset', choices=['default', 'hard'], default='hard',
                   help='mini set: the demo\'s or MINI_EXDARK_HARD (docs/detection.md)')
    p.add_argument('--data-seed', type=int, default=0)
    p.add_argument('--n-train', type=int, default=160)
    p.add_argument('--n-val', type=int, default=40)
    p.add_argument('--n-test', type=int, default=80)
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--rows', nargs='+', choices=list(ROWS), default=list(ROWS))
    p.add_argument('--train-iters', type=int, default=None, help='default: the config\'s')
    p.add_argument('--stage1-iters', type=int, default=None)
    p.add_argument('--search-iters', type=int, default=None)
    p.add_argument('--input-size', type=int, default=None, help='detector input (192)')
    p.add_argument('--crop-size', type=int, default=None, help='stage-1 crop (128)')
    p.add_argument('--search-batch', type=int, default=None)
    p.add_argument('--released-weights', default=DEFAULT_WEIGHTS,
                   help='the authors\' RUAS_A lol.pt (row enh_tm)')
    return p.parse_args(argv)


# ---------------------------------------------------------------------- steps
def run_quiet(cmd: list[str], log_path: str) -> float:
    """Run a tool with its output in ``log_path``; its wall time, ToolError if it failed."""
    start = time.perf_counter()
    with open(log_path, 'w') as log:
        status = subprocess.call(cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    if status:
        raise ToolError(f'{osp.basename(cmd[1])} exited {status}; log: {log_path}')
    return time.perf_counter() - start


def shared_step(path: str, make) -> dict:
    """``make(path)`` once: its dict is kept in ``path/DONE.json``; a partial folder is redone."""
    from mmruas.utils.safe_io import write_json
    done = osp.join(path, 'DONE.json')
    if osp.isfile(done):
        with open(done) as f:
            return json.load(f)
    if osp.isdir(path):
        shutil.rmtree(path)
    os.makedirs(path)
    info = make(path)
    write_json(done, info)
    return info


def fit(cfg, args, seed: int, path: str, name: str) -> str:
    """Dump ``cfg`` (seeded) to ``path/<name>.py``, train it there; the last checkpoint."""
    cfg.randomness = dict(seed=seed)
    cfg_path = osp.join(path, f'{name}.py')
    demo.dump_config(cfg, cfg_path)
    run_quiet(demo.tool('train.py') + [cfg_path, '--work-dir', osp.join(path, name)],
              osp.join(path, f'{name}.log'))
    return demo.last_checkpoint(osp.join(path, name))


def make_data(args, root: str) -> dict:
    from mmruas.det.datasets import MINI_EXDARK_HARD, make_mini_exdark
    preset = MINI_EXDARK_HARD if args.preset == 'hard' else {}
    records = make_mini_exdark(osp.join(root, 'mini_exdark'), seed=args.data_seed,
                               n_train=args.n_train, n_val=args.n_val, n_test=args.n_test,
                               **preset)
    return dict(images=len(records), preset=args.preset, settings=preset)


def make_enhanced(args, data_root: str, path: str) -> dict:
    """The mini set's images enhanced once by RUAS_A with the released weights."""
    weights = osp.abspath(args.released_weights)
    pth = osp.join(path, 'ruas_a_released.pth')
    run_quiet([sys.executable, osp.join(REPO, 'tools', 'convert_released_ruas.py'), weights,
               pth], osp.join(path, 'convert.log'))
    out = osp.join(path, 'tree')
    run_quiet(demo.tool('enhance.py') + [RELEASED_CFG, pth, data_root, out, '--keep-tree',
                                         '--device', 'cpu'], osp.join(path, 'enhance.log'))
    return dict(weights=weights, enhanced_root=out)


def stage1(args, data_root: str, seed: int, genotype, path: str) -> dict:
    from mmengine.config import Config
    cfg = Config.fromfile(demo.STAGE1_CFG)
    if genotype is not None:
        cfg.model.scene.iem.genotype = genotype
    cfg.train_dataloader.dataset.data_root = data_root
    if args.stage1_iters:
        demo.set_iters(cfg, args.stage1_iters)
    demo.set_sizes(cfg, crop_size=args.crop_size)
    return dict(checkpoint=fit(cfg, args, seed, path, 'stage1'))


def search(args, data_root: str, seed: int, path: str) -> dict:
    """The demo's cooperative search; its derived genotypes and retrain config."""
    from mmengine.config import Config
    cfg = Config.fromfile(demo.SEARCH_CFG)
    cfg.train_dataloader.dataset.data_root = data_root
    if args.search_batch:
        cfg.train_dataloader.batch_size = args.search_batch
    if args.search_iters:
        demo.set_iters(cfg, args.search_iters)
        if args.search_iters < cfg.custom_hooks[0].warmup_iters + 2:
            cfg.custom_hooks[0].update(warmup_iters=0, phase_iters=(1, 1))
    demo.set_sizes(cfg, args.input_size)
    fit(cfg, args, seed, path, 'search')
    retrain = osp.join(path, 'search', 'retrain_config.py')
    found = Config.fromfile(retrain).model
    return dict(retrain_config=retrain, scene=list(found.data_preprocessor.scene.iem.genotype),
                neck=list(found.neck.genotype), reg=list(found.bbox_head.reg_genotype),
                cls=list(found.bbox_head.cls_genotype))


# ---------------------------------------------------------------------- rows
def set_genotypes(model, geno: dict) -> None:
    model.neck.genotype = list(geno['neck'])
    model.bbox_head.reg_genotype = list(geno['reg'])
    model.bbox_head.cls_genotype = list(geno['cls'])


def row_config(row: str, args, data_root: str, deps):
    """The detector config of ``row``; ``deps(name)`` gives a shared step's result."""
    from mmengine.config import Config
    cfg = Config.fromfile(TRAIN_CFG)
    model = cfg.model
    if row in ('tm', 'enh_tm', 'searched_tm'):
        demo.no_scene(model)
        set_genotypes(model, deps('search') if row == 'searched_tm' else HAND)
        cfg.optim_wrapper.pop('paramwise_cfg', None)   # no scene to slow down
    elif row in ('e2e_lt', 'e2e_lt_ls'):
        model.data_preprocessor.scene_checkpoint = None
        cfg.optim_wrapper.pop('paramwise_cfg', None)   # the scene at the full lr
        if row == 'e2e_lt_ls':
            cfg.model = dict(type='SceneTaskModel', task=copy.deepcopy(model.to_dict()),
                             scene_loss=dict(type='SceneLoss', eta=0.1), lam=0.1)
    elif row in ('hier', 'ruas_s_tm'):
        model.data_preprocessor.scene_checkpoint = deps('stage1')['checkpoint']
        if row == 'ruas_s_tm':
            set_genotypes(model, HAND)
    elif row == 'ruas':
        found = deps('search')
        set_genotypes(model, found)
        model.data_preprocessor.scene.iem.genotype = found['scene']
        model.data_preprocessor.scene_checkpoint = deps('stage1_searched')['checkpoint']
    else:
        raise ToolError(f'unknown row {row!r}')
    enhanced = deps('enhanced')['enhanced_root'] if row == 'enh_tm' else None
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = data_root
        if enhanced:
            cfg[loader].dataset.enhanced_root = enhanced
    if args.train_iters:
        demo.set_iters(cfg, args.train_iters)
    demo.set_sizes(cfg, args.input_size)
    return cfg


def train_and_test(row: str, seed: int, args, data_root: str, deps, path: str) -> dict:
    start = time.perf_counter()
    ckpt = fit(row_config(row, args, data_root, deps), args, seed, path, 'train')
    train_s = time.perf_counter() - start
    test_dir = osp.join(path, 'test')
    test_s = run_quiet(demo.tool('test.py') + [osp.join(path, 'train.py'), ckpt, '--work-dir',
                                               test_dir], osp.join(path, 'test.log'))
    metrics = demo.test_metrics(test_dir)
    return dict(row=row, seed=seed, mAP=float(metrics['mAP']),
                per_class={k[len('AP50_'):]: float(v) for k, v in metrics.items()
                           if k.startswith('AP50_')},
                train_s=round(train_s, 1), test_s=round(test_s, 1))


# ---------------------------------------------------------------------- report
def summarise(results: Sequence[dict], rows: Sequence[str]) -> list[dict]:
    """Per row: its description, seeds, mAP mean and std over seeds, mean per-class AP."""
    return [dict(s, what=ROWS[s['row']][0], paper=ROWS[s['row']][1], mAPs=s['values'])
            for s in summarise_seeds(results, rows)]


def orderings(summary: Sequence[dict]) -> list[dict]:
    """:data:`ORDERINGS` checked on the seed means and against the spread over seeds."""
    return compare_orders(summary, ORDERINGS)


def table_text(summary: Sequence[dict]) -> str:
    classes = sorted({c for s in summary for c in s['per_class']})
    lines = ['| row | what it trains | paper (ExDark/DARK FACE) | seeds | mAP mean ± std | '
             + ' | '.join(classes) + ' |', '|---|---|---|---:|---:|' + '---:|' * len(classes)]
    for s in summary:
        cell = ('missing' if s['mean'] is None else f'**{s["mean"]:.3f}** ± {s["std"]:.3f}')
        aps = ' | '.join(f'{s["per_class"][c]:.3f}' if c in s['per_class'] else '–'
                         for c in classes)
        lines.append(f'| `{s["row"]}` | {s["what"]} | {s["paper"]} | {len(s["seeds"])} | '
                     f'{cell} | {aps} |')
    return '\n'.join(lines) + '\n'


def write_report(work: str, results: Sequence[dict], rows: Sequence[str],
                 args) -> tuple[list[dict], list[dict]]:
    """``table.md``, ``table.json`` and ``ablation.png`` (atomic, this tool's own files);
    the summary and the orderings they show."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    from mmruas.utils.safe_io import atomic_path, write_json, write_text
    summary = summarise(results, rows)
    head = (f'Test mAP (IoU 0.5) on the {args.n_test} test images of the mini ExDark set '
            f'(preset {args.preset}, data seed {args.data_seed}); mean ± std (ddof 1) over '
            f'training seeds, per-class AP averaged over seeds.\n\n')
    order = orderings(summary)
    text = head + table_text(summary)
    if order:
        text += ('\nThe papers\' orderings (rows with two or more seeds; Welch\'s t-test '
                 'over the seeds):\n\n' + orders_markdown(order))
    write_text(osp.join(work, 'table.md'), text, overwrite=True)
    write_json(osp.join(work, 'table.json'), dict(settings=vars(args), rows=summary,
                                                  orderings=order), overwrite=True)
    fig, ax = plt.subplots(figsize=(8, 3.6))
    for i, s in enumerate(summary):
        if s['mean'] is not None:
            ax.bar(i, s['mean'], yerr=s['std'], color='#8ab', capsize=4)
            ax.plot([i] * len(s['mAPs']), s['mAPs'], 'k.', ms=5)
    ax.set_xticks(range(len(summary)), [s['row'] for s in summary], rotation=20)
    ax.set_ylabel('test mAP (IoU 0.5)')
    ax.set_title(f'mini ExDark ({args.preset}): bars mean ± std, dots seeds')
    fig.tight_layout()
    with atomic_path(osp.join(work, 'ablation.png'), overwrite=True) as tmp:
        fig.savefig(tmp, format='png', dpi=120)
    plt.close(fig)
    return summary, order


# ---------------------------------------------------------------------- main
def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if min(args.n_train, args.n_test) < 1 or args.n_val < 0:
        raise ToolError('--n-train and --n-test must be >= 1, --n-val >= 0')
    if 'enh_tm' in args.rows and not osp.isfile(args.released_weights):
        raise ToolError(f'--released-weights {args.released_weights}: no such file (the '
                        'authors\' RUAS_A lol.pt, needed by row enh_tm; or leave that row out)')
    from mmruas.utils.safe_io import write_json
    work = osp.abspath(args.work_dir)
    for sub in ('results', 'runs', 'shared'):
        os.makedirs(osp.join(work, sub), exist_ok=True)
    shared = osp.join(work, 'shared')
    data = shared_step(osp.join(shared, 'data'), lambda p: make_data(args, p))
    if data['preset'] != args.preset or data['images'] != args.n_train + args.n_val + args.n_test:
        raise ToolError(f'{shared}/data holds another mini set ({data}); use another --work-dir')
    data_root = osp.join(shared, 'data', 'mini_exdark') + os.sep

    def deps_for(seed: int):
        def deps(name: str) -> dict:
            if name == 'enhanced':
                return shared_step(osp.join(shared, 'enhanced'),
                                   lambda p: make_enhanced(args, data_root, p))
            if name == 'stage1':
                return shared_step(osp.join(shared, f'stage1_s{seed}'),
                                   lambda p: stage1(args, data_root, seed, None, p))
            if name == 'search':
                return shared_step(osp.join(shared, f'search_s{seed}'),
                                   lambda p: search(args, data_root, seed, p))
            found = deps('search')['scene']
            return shared_step(osp.join(shared, f'stage1_searched_s{seed}'),
                               lambda p: stage1(args, data_root, seed, found, p))
        return deps

    plan = [(row, seed) for seed in args.seeds for row in args.rows]
    results, failed = [], []
    for k, (row, seed) in enumerate(plan, 1):
        out = osp.join(work, 'results', f'{row}_s{seed}.json')
        tag = f'[{k}/{len(plan)}] {row} seed {seed}:'
        if osp.isfile(out):
            with open(out) as f:
                results.append(json.load(f))
            print(f'{tag} done before, mAP {results[-1]["mAP"]:.3f} (skipped)', flush=True)
            continue
        path = osp.join(work, 'runs', row, f's{seed}')
        if osp.isdir(path):
            shutil.rmtree(path)   # a killed run's leftovers: redo it from scratch
        os.makedirs(path)
        start = time.perf_counter()
        try:
            res = train_and_test(row, seed, args, data_root, deps_for(seed), path)
        except (Exception, SystemExit) as err:   # skip and report
            failed.append((row, seed, str(err)))
            print(f'{tag} FAILED after {time.perf_counter() - start:.0f} s: {err}', flush=True)
            continue
        res['wall_s'] = round(time.perf_counter() - start, 1)
        write_json(out, res)
        results.append(res)
        print(f'{tag} mAP {res["mAP"]:.3f} ({res["wall_s"]:.0f} s with its shared steps; '
              f'train {res["train_s"]:.0f} s, test {res["test_s"]:.0f} s)', flush=True)
        write_report(work, results, args.rows, args)
    summary, order = write_report(work, results, args.rows, args)
    print('\n' + table_text(summary))
    if order:
        print(orders_markdown(order))
    print(f'table: {demo.short(osp.join(work, "table.md"))}, plot: '
          f'{demo.short(osp.join(work, "ablation.png"))}')
    if failed:
        for row, seed, err in failed:
            print(f'failed: {row} seed {seed}: {err}', file=sys.stderr)
        print(f'{len(failed)} of {len(plan)} runs failed; rerun to retry them', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    run_tool(main)
