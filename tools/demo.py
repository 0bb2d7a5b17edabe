"""`make demo`: the detection main job (RUAS-TPAMI §7) end to end on a mini ExDark set.

Every step runs the project's own tools on a config written into ``WORK_DIR/configs``
(``python tools/train.py WORK_DIR/configs/<step>.py --work-dir WORK_DIR/<step>``), so each
can be repeated by hand; the driver only sets paths, counts and genotypes on the loaded
configs (a config's top-level variables are read once, when it is parsed):

0. data: :func:`mmruas.det.datasets.make_mini_exdark` writes ``WORK_DIR/mini_exdark`` in
   ExDark's exact on-disk layout (real photographs from scikit-image, true boxes,
   darkened with the project's low-light model); train 160 / val 40 / test 80 images;
1. search (configs/demo/demo_det_search.py): a short cooperative search
   (docs/method.md#cooperative-search-alg-1) of the scene cell and the SSD neck/head on the training
   split only (halved by the hook: ω on one half, α on the other) → ``genotypes.json``,
   ``alpha_history.json``, ``retrain_config.py``;
2. stage 1 (configs/demo/demo_det_stage1.py with the derived scene genotype): the scene
   module alone, without labels, on the training images (hierarchical strategy, §1);
3. train: the hook's ``retrain_config.py`` (configs/demo/demo_det_train.py with the
   derived scene, neck and head genotypes) starting its scene from stage 1's checkpoint;
4. test (tools/test.py --show-dir): VOC mAP on the test split (never seen before) and a
   detection picture of every test image (mmdet's visualizer) in ``WORK_DIR/detections``;
   then the no-scene row: step 3's detector (same derived neck/head, data and schedule)
   with mmdet's plain DetDataPreprocessor instead of the scene module, trained and tested
   (``train_noscene``, ``test_noscene``; ``--skip-no-scene`` leaves it out);
5. report: α heat maps (tools/analysis_tools/plot_alpha.py) in ``WORK_DIR/alpha_plots``,
   the per-class AP table in the layout of RUAS-TPAMI Table X with the chance level
   (mAP of random boxes, computed here), the mean α entropy of every searched unit at the
   end of the search (:func:`search_entropies`; ln(#ops) = undecided), stage times;
   ``results.md``, ``summary.json``.

The search comes first because it decides the scene genotype stage 1 trains. Re-running
deletes and rewrites the driver's own outputs in ``WORK_DIR`` (listed in :data:`OWNED`)
and nothing else. ``--smoke`` shrinks every step to a few iterations on a tiny set.
"""
from __future__ import annotations

import argparse
import glob
import importlib.util
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence

import numpy as np

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
SEARCH_CFG = osp.join(REPO, 'configs', 'demo', 'demo_det_search.py')
STAGE1_CFG = osp.join(REPO, 'configs', 'demo', 'demo_det_stage1.py')
#: what the driver writes (and deletes first) inside the work dir
OWNED = ('mini_exdark', 'configs', 'logs', 'search', 'stage1', 'train', 'test', 'detections',
         'alpha_plots', 'results.md', 'summary.json', 'train_noscene', 'test_noscene')
#: log lines echoed to the console (the full logs are in WORK_DIR/logs)
ECHO = ('Iter(train)', 'Iter(val)', 'Epoch(val)', 'Epoch(test)', '[search] iter',
        '  data_preprocessor.scene.', '  task.neck:', '  task.bbox_head.', 'Error', 'error:')
#: ``--smoke``: sizes, iterations, detector input size (192 otherwise) and stage-1 crop
#: (128 otherwise); search batch 2 (at least 2: BatchNorm on the 1 x 1 SSD level)
SMOKE = dict(n_train=4, n_val=2, n_test=4, search_iters=2, stage1_iters=2, train_iters=2,
             input_size=96, crop_size=64)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--seed', type=int, default=0, help='seed of the mini ExDark set')
    parser.add_argument('--n-train', type=int, default=160)
    parser.add_argument('--n-val', type=int, default=40)
    parser.add_argument('--n-test', type=int, default=80)
    parser.add_argument('--search-iters', type=int, default=None,
                        help='search length (default: the config\'s)')
    parser.add_argument('--stage1-iters', type=int, default=None)
    parser.add_argument('--train-iters', type=int, default=None)
    parser.add_argument('--skip-no-scene', action='store_true',
                        help='leave out the no-scene row (SSD without the scene module)')
    parser.add_argument('--smoke', action='store_true',
                        help=f'a functional check in seconds: {SMOKE}, search batch 2')
    args = parser.parse_args(argv)
    args.input_size = args.crop_size = None
    if args.smoke:
        for key, value in SMOKE.items():
            if key.startswith('n_') or getattr(args, key) is None:
                setattr(args, key, value)
    return args


# ---------------------------------------------------------------------- helpers
def clean(work_dir: str) -> None:
    """Delete the driver's own outputs (:data:`OWNED`) in ``work_dir``, nothing else."""
    for name in OWNED:
        path = osp.join(work_dir, name)
        if osp.isdir(path) and not osp.islink(path):
            shutil.rmtree(path)
        elif osp.lexists(path):
            os.remove(path)


def run(step: str, cmd: list[str], work_dir: str) -> float:
    """Run a tool, echo its progress lines, keep its full log; the wall time in seconds."""
    log_path = osp.join(work_dir, 'logs', f'{step}.log')
    print(f'\n=== {step}: {" ".join(short(c) for c in cmd)}', flush=True)
    start = time.perf_counter()
    with open(log_path, 'w') as log:
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, bufsize=1)
        assert proc.stdout is not None
        for line in proc.stdout:
            log.write(line)
            if any(key in line for key in ECHO):
                print('   ' + line.rstrip()[:160], flush=True)
        status = proc.wait()
    seconds = time.perf_counter() - start
    if status:
        with open(log_path) as f:
            tail = f.readlines()[-30:]
        sys.stderr.write(''.join(tail))
        raise SystemExit(f'error: {step} failed (exit {status}); full log: {log_path}')
    print(f'=== {step}: {seconds:.0f} s', flush=True)
    return seconds


def short(path: str) -> str:
    """``path`` relative to the working directory if it lies below it."""
    rel = osp.relpath(path) if osp.isabs(path) else path
    return path if rel.startswith('..') else rel


def tool(name: str) -> list[str]:
    return [sys.executable, osp.join(REPO, 'tools', name)]


def last_checkpoint(run_dir: str) -> str:
    """The checkpoint mmengine's CheckpointHook saved last in ``run_dir``."""
    with open(osp.join(run_dir, 'last_checkpoint')) as f:
        path = f.read().strip()
    return path if osp.isabs(path) else osp.join(run_dir, osp.basename(path))


def set_iters(cfg, iters: int) -> None:
    """Shorten an iteration-based training config (loop, validation, checkpoints, LR)."""
    cfg.train_cfg.max_iters = iters
    if 'val_interval' in cfg.train_cfg:
        cfg.train_cfg.val_interval = iters
    cfg.default_hooks.checkpoint.interval = iters
    for sched in cfg.get('param_scheduler') or []:
        if sched.get('type') == 'CosineAnnealingLR':
            sched.update(T_max=iters, end=iters)
        elif sched.get('end', 0) > iters:
            sched.end = iters


def set_sizes(cfg, input_size: int | None = None, crop_size: int | None = None) -> None:
    """Set the ``Resize`` scale and the ``PairedRandomCrop`` size of every data pipeline."""
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        for step in (cfg.get(key) or {}).get('dataset', {}).get('pipeline', []):
            if input_size and step['type'] == 'Resize':
                step['scale'] = (input_size, input_size)
            if crop_size and step['type'] == 'PairedRandomCrop':
                step['crop_size'] = (crop_size, crop_size)


def no_scene(model) -> None:
    """Replace ``model``'s scene preprocessor by mmdet's plain DetDataPreprocessor with the
    same normalisation (mean, std, channel order, padding): the detector without scene."""
    pre = model.data_preprocessor
    model.data_preprocessor = dict(type='DetDataPreprocessor', mean=pre.mean, std=pre.std,
                                   bgr_to_rgb=pre.bgr_to_rgb,
                                   pad_size_divisor=pre.pad_size_divisor)


def dump_config(cfg, path: str) -> None:
    """``cfg.dump(path)`` atomically (the driver owns its configs folder)."""
    from mmruas.utils.safe_io import atomic_path
    with atomic_path(path, overwrite=True) as tmp:
        cfg.dump(tmp)


def load_plot_alpha():
    """tools/analysis_tools/plot_alpha.py as a module (tools/ is not a package)."""
    path = osp.join(REPO, 'tools', 'analysis_tools', 'plot_alpha.py')
    spec = importlib.util.spec_from_file_location('plot_alpha', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------------- chance level
def random_box_map(data_root: str, seeds: Sequence[int] = (0, 1, 2, 3, 4),
                   per_image: int = 100) -> tuple[float, dict[str, float], dict[str, int]]:
    """mAP (IoU 0.5, 'area', as ExDarkVOCMetric) of random boxes on the test split.

    Per test image ``per_image`` boxes (the detector's ``max_per_img``), each with a class
    drawn uniformly from the classes of the training split's boxes, a uniform score, a
    centre uniform in the image and width/height uniform in [5 %, 100 %] of the image's,
    clipped to it. Returns the mean over ``seeds`` of the mAP and of each class's AP, and
    each class's ground-truth count.
    """
    from mmdet.evaluation.functional import eval_map

    from mmruas.det.datasets import ExDarkDataset
    from mmruas.det.datasets.exdark import EXDARK_CLASSES

    def split(name: str) -> list[dict]:
        ds = ExDarkDataset(data_root=data_root, split=name, test_mode=True, pipeline=[])
        return [ds.get_data_info(i) for i in range(len(ds))]

    train_labels = sorted({i['bbox_label'] for d in split('train') for i in d['instances']})
    test = split('test')
    anns = []
    for d in test:
        keep = [i for i in d['instances'] if not i['ignore_flag']]
        ign = [i for i in d['instances'] if i['ignore_flag']]
        anns.append(dict(
            bboxes=np.array([i['bbox'] for i in keep], np.float32).reshape(-1, 4),
            labels=np.array([i['bbox_label'] for i in keep], np.int64),
            bboxes_ignore=np.array([i['bbox'] for i in ign], np.float32).reshape(-1, 4),
            labels_ignore=np.array([i['bbox_label'] for i in ign], np.int64)))
    counts = {c: int(sum((a['labels'] == k).sum() for a in anns))
              for k, c in enumerate(EXDARK_CLASSES)}
    maps, per_class = [], {c: [] for c, n in counts.items() if n}
    for seed in seeds:
        rng = np.random.default_rng(seed)
        dets = []
        for d in test:
            w, h = d['width'], d['height']
            wh = rng.uniform(0.05, 1.0, (per_image, 2)) * (w, h)
            c = rng.uniform(0, 1, (per_image, 2)) * (w, h)
            boxes = np.concatenate([c - wh / 2, c + wh / 2], 1).clip(0, [w, h, w, h])
            boxes = np.concatenate([boxes, rng.uniform(0, 1, (per_image, 1))], 1)
            labels = rng.choice(train_labels, per_image)
            dets.append([boxes[labels == k].astype(np.float32)
                         for k in range(len(EXDARK_CLASSES))])
        mean_ap, results = eval_map(dets, anns, iou_thr=0.5, dataset=list(EXDARK_CLASSES),
                                    logger='silent', eval_mode='area',
                                    use_legacy_coordinate=True)
        maps.append(float(mean_ap))
        for c, r in zip(EXDARK_CLASSES, results):
            if c in per_class:
                per_class[c].append(float(r['ap']))
    return float(np.mean(maps)), {c: float(np.mean(v)) for c, v in per_class.items()}, counts


# ---------------------------------------------------------------------- report
#: a searched unit counts as decided when its mean α entropy is at most this fraction of
#: the uniform entropy ln(#ops) of its operation set
DECIDED_RATIO = 0.9


def search_entropies(search_dir: str) -> list[dict]:
    """Mean α entropy of every searched unit at the end of the search.

    Reads the last entry of ``alpha_history.json`` (CooperativeSearchHook). Per unit: the
    entropy (nats) of softmax(α) of each edge (:func:`mmruas.search_space.alpha_entropy`),
    averaged over its edges, beside the uniform entropy ln(#ops); units with tied α (the
    IEM cells of the three stages) are listed once, under the first name, with
    ``tied`` = how many units share those α. ``decided``: ratio ≤ :data:`DECIDED_RATIO`.
    """
    import math

    import torch

    from mmruas.search_space.mixed_op import alpha_entropy

    with open(osp.join(search_dir, 'alpha_history.json')) as f:
        last = json.load(f)[-1]
    rows: list[dict] = []
    seen: list[torch.Tensor] = []
    for name, alpha in last['alphas'].items():
        a = torch.tensor(alpha, dtype=torch.float64)
        for row, b in zip(rows, seen):
            if a.shape == b.shape and torch.equal(a, b):
                row['tied'] += 1
                break
        else:
            seen.append(a)
            ent, uniform = float(alpha_entropy(a).mean()), math.log(a.shape[-1])
            rows.append(dict(unit=name, edges=a.shape[0], ops=a.shape[-1], entropy=ent,
                             uniform=uniform, ratio=ent / uniform,
                             decided=ent <= DECIDED_RATIO * uniform, tied=1,
                             iter=last['iter']))
    return rows


def entropy_table(rows: Sequence[dict]) -> str:
    """The rows of :func:`search_entropies` as a markdown table."""
    lines = ['| unit | edges | ops | mean α entropy | ln(#ops) | ratio | decided |',
             '|---|---|---|---|---|---|---|']
    for r in rows:
        tied = f' (α tied over {r["tied"]} cells)' if r['tied'] > 1 else ''
        lines.append(f'| {r["unit"]}{tied} | {r["edges"]} | {r["ops"]} | {r["entropy"]:.4f} | '
                     f'{r["uniform"]:.4f} | {r["ratio"]:.3f} | '
                     f'{"yes" if r["decided"] else "no"} |')
    return '\n'.join(lines)


def test_metrics(test_dir: str) -> dict[str, float]:
    """The test metrics tools/test.py logged (``<timestamp>/<timestamp>.json``), unprefixed."""
    found = sorted(glob.glob(osp.join(test_dir, '*', '*.json')))
    if not found:
        raise SystemExit(f'error: no test metrics (*/*.json) in {test_dir}')
    with open(found[-1]) as f:
        metrics = json.loads(f.read().strip().splitlines()[-1])
    return {k.rsplit('/', 1)[-1]: v for k, v in metrics.items() if isinstance(v, (int, float))}


def ap_table(metrics: dict[str, float], chance: tuple[float, dict, dict],
             no_scene_metrics: dict[str, float] | None = None) -> str:
    """Per-class AP50 with classes as columns (RUAS-TPAMI Table X), chance row included
    (and the no-scene row when given)."""
    from mmruas.det.datasets.exdark import EXDARK_CLASSES
    from mmruas.evaluation import format_ap_table

    chance_map, chance_ap, counts = chance
    rows = [('test boxes', [counts[c] for c in EXDARK_CLASSES], ''),
            ('random boxes (chance)', [chance_ap.get(c) for c in EXDARK_CLASSES], chance_map),
            ('RUAS (searched) + SSD', [metrics.get(f'AP50_{c}') for c in EXDARK_CLASSES],
             float(metrics['mAP']))]
    if no_scene_metrics is not None:
        rows.insert(2, ('SSD (same searched neck/head), no scene module',
                        [no_scene_metrics.get(f'AP50_{c}') for c in EXDARK_CLASSES],
                        float(no_scene_metrics['mAP'])))
    return format_ap_table(EXDARK_CLASSES, rows)


# ---------------------------------------------------------------------- main
def main(argv: Sequence[str] | None = None) -> dict:
    args = parse_args(argv)
    from mmengine.config import Config

    from mmruas.det.datasets import make_mini_exdark

    work = osp.abspath(args.work_dir)
    clean(work)
    for sub in ('configs', 'logs'):
        os.makedirs(osp.join(work, sub))
    data_root = osp.join(work, 'mini_exdark') + os.sep
    times: dict[str, float] = {}
    total = time.perf_counter()

    start = time.perf_counter()
    records = make_mini_exdark(data_root, seed=args.seed, n_train=args.n_train,
                               n_val=args.n_val, n_test=args.n_test)
    times['data'] = time.perf_counter() - start
    print(f'=== data: {len(records)} images in ExDark\'s layout under '
          f'{short(data_root)} ({times["data"]:.0f} s)', flush=True)

    # 1. search on the training split (halved by the hook); never the test split
    cfg = Config.fromfile(SEARCH_CFG)
    cfg.train_dataloader.dataset.data_root = data_root
    if args.smoke:
        cfg.train_dataloader.batch_size = 2
        cfg.custom_hooks[0].update(warmup_iters=0, phase_iters=(1, 1))
    if args.search_iters:
        set_iters(cfg, args.search_iters)
    set_sizes(cfg, args.input_size)
    search_cfg = osp.join(work, 'configs', 'search.py')
    dump_config(cfg, search_cfg)
    search_dir = osp.join(work, 'search')
    times['search'] = run('search', tool('train.py') + [search_cfg, '--work-dir', search_dir],
                          work)
    retrain = osp.join(search_dir, 'retrain_config.py')

    # 2. stage 1: the scene alone (derived genotype), unsupervised, on the training images
    train_cfg = Config.fromfile(retrain)
    scene_geno = list(train_cfg.model.data_preprocessor.scene.iem.genotype)
    cfg = Config.fromfile(STAGE1_CFG)
    cfg.model.scene.iem.genotype = scene_geno
    cfg.train_dataloader.dataset.data_root = data_root
    if args.stage1_iters:
        set_iters(cfg, args.stage1_iters)
    set_sizes(cfg, crop_size=args.crop_size)
    stage1_cfg = osp.join(work, 'configs', 'stage1.py')
    dump_config(cfg, stage1_cfg)
    stage1_dir = osp.join(work, 'stage1')
    times['stage1'] = run('stage1', tool('train.py') + [stage1_cfg, '--work-dir', stage1_dir],
                          work)
    scene_ckpt = last_checkpoint(stage1_dir)

    # 3. the detector with the derived genotypes, its scene from stage 1
    cfg = train_cfg
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = data_root
    cfg.model.data_preprocessor.scene_checkpoint = scene_ckpt
    if args.train_iters:
        set_iters(cfg, args.train_iters)
    set_sizes(cfg, args.input_size)
    det_cfg = osp.join(work, 'configs', 'train.py')
    dump_config(cfg, det_cfg)
    train_dir = osp.join(work, 'train')
    times['train'] = run('train', tool('train.py') + [det_cfg, '--work-dir', train_dir], work)
    det_ckpt = last_checkpoint(train_dir)

    # 4. test on the unseen test split, a detection picture per image
    show_dir = osp.join(work, 'detections')
    times['test'] = run('test', tool('test.py') + [det_cfg, det_ckpt, '--work-dir',
                                                    osp.join(work, 'test'), '--show-dir',
                                                    show_dir], work)

    # 4b. the no-scene row: the same detector without the scene module, same schedule
    no_scene_metrics = None
    if not args.skip_no_scene:
        cfg = Config.fromfile(det_cfg)
        no_scene(cfg.model)
        cfg.optim_wrapper.pop('paramwise_cfg', None)   # no scene to slow down
        ns_cfg = osp.join(work, 'configs', 'train_noscene.py')
        dump_config(cfg, ns_cfg)
        ns_dir = osp.join(work, 'train_noscene')
        times['train_noscene'] = run('train_noscene', tool('train.py') + [
            ns_cfg, '--work-dir', ns_dir], work)
        times['test_noscene'] = run('test_noscene', tool('test.py') + [
            ns_cfg, last_checkpoint(ns_dir), '--work-dir', osp.join(work, 'test_noscene')],
            work)
        no_scene_metrics = test_metrics(osp.join(work, 'test_noscene'))

    # 5. report
    start = time.perf_counter()
    plot = load_plot_alpha()
    plot_dir = osp.join(work, 'alpha_plots')
    plots = (plot.plot_alpha(search_dir, out=plot_dir, overwrite=True)
             + plot.plot_trajectory(search_dir, out=plot_dir, overwrite=True))
    metrics = test_metrics(osp.join(work, 'test'))
    entropies = search_entropies(search_dir)
    chance = random_box_map(data_root)
    table = ap_table(metrics, chance, no_scene_metrics)
    times['report'] = time.perf_counter() - start
    times['total'] = time.perf_counter() - total
    with open(osp.join(search_dir, 'genotypes.json')) as f:
        genotypes = json.load(f)
    pictures = sorted(os.listdir(show_dir)) if osp.isdir(show_dir) else []
    summary = dict(mAP=float(metrics['mAP']), chance_mAP=chance[0], per_class={
        k[len('AP50_'):]: v for k, v in metrics.items() if k.startswith('AP50_')},
        times_s={k: round(v, 1) for k, v in times.items()}, genotypes=genotypes,
        mAP_no_scene=None if no_scene_metrics is None else float(no_scene_metrics['mAP']),
        scene_checkpoint=scene_ckpt, detector_checkpoint=det_ckpt,
        detection_pictures=len(pictures), alpha_plots=[osp.basename(p) for p in plots],
        alpha_entropy=entropies, smoke=bool(args.smoke))
    from mmruas.utils.safe_io import write_json, write_text
    write_json(osp.join(work, 'summary.json'), summary, overwrite=True)
    n_test = sum(r['split'] == 'test' for r in records)
    decided = sum(r['decided'] for r in entropies)
    text = (f'Per-class AP (IoU 0.5, VOC area) on the {n_test} test images of the mini ExDark '
            f'set, RUAS-TPAMI Table X layout:\n{table}\n\n'
            f'Mean α entropy (nats) of each searched unit at the end of the search (iteration '
            f'{entropies[0]["iter"]}); uniform = ln(#ops); decided: at most '
            f'{DECIDED_RATIO:g}·ln(#ops) ({decided} of {len(entropies)} units):\n'
            f'{entropy_table(entropies)}\n')
    write_text(osp.join(work, 'results.md'), text, overwrite=True)
    rel = short(work)
    print(f'\n{text}')
    print('stage times: ' + ', '.join(f'{k} {v:.0f} s' for k, v in times.items()))
    ns = ('' if no_scene_metrics is None
          else f'; without the scene module {no_scene_metrics["mAP"]:.3f}')
    print(f'mAP {metrics["mAP"]:.3f}{ns}; chance {chance[0]:.3f} (100 random boxes per '
          'image, class uniform over the training classes, mean of 5 seeds)')
    print(f'detection pictures ({len(pictures)}): {rel}/detections/; α heat maps '
          f'({len(plots)}): {rel}/alpha_plots/; genotypes, retrain config: {rel}/search/')
    return summary


if __name__ == '__main__':
    main()
