"""Precision-recall curves of saved detections (RUAS-TPAMI Fig. 10, DARK FACE), as a PNG.

    python tools/analysis_tools/plot_pr.py CONFIG PRED.pkl [PRED.pkl ...] --out pr.png
        [--labels NAME ...] [--iou-thr 0.5] [--title T] [--cfg-options k=v ...]

Each ``PRED.pkl`` is the output of ``tools/test.py CONFIG CKPT --out PRED.pkl`` (mmdet's
``DumpDetResults``: one dict per image with ``img_path`` and ``pred_instances``). The
ground truth comes from the config's test data set (``test_dataloader.dataset``), matched
by ``img_path``. Each file gives one curve per class with ground truth (DARK FACE: one,
``face``), computed by mmdet's ``eval_map`` at IoU ``--iou-thr`` (VOC matching, ``'area'``
AP, legacy +1 box sizes, as ``VOCMetric``); the legend gives each curve's AP.

Pickles are read with mmruas's restricted unpickler (:mod:`mmruas.utils.safe_pickle`):
a file naming any other global (code to run) stops the tool before anything is drawn.
Skip-and-report: a file that cannot be read, is not a detection dump, or does not cover
exactly the data set's images is reported on stderr and left out; the PNG holds the other
curves and the exit status is 1 (2, with one ``error:`` line, when no curve could be drawn
or the arguments are bad). The PNG is written atomically; it never replaces an input file
(the config, the pickles, and every file of the data set: images, label files, image
lists; compared by inode, so links count) and replaces an existing file only with
``--overwrite``.
"""
from __future__ import annotations

import argparse
import os.path as osp
import sys
from collections.abc import Sequence

import numpy as np

import mmruas  # noqa: F401  (registers the data sets)
from mmruas.utils.cli import DictAction, ToolError, load_config, run_tool
from mmruas.utils.safe_io import (
    atomic_path,
    check_new_output,
    check_not_inputs,
    ensure_folder,
)
from mmruas.utils.safe_pickle import UnsafePickleError, load_pickle


def ground_truth(cfg, files: list[str] | None = None) -> tuple[list[str], dict[str, dict]]:
    """``(classes, {img_path: eval_map annotation})`` of the config's test data set; the
    files the data set reads (images, its ``ann_file``, every ``*_path`` of a sample such
    as label files) are appended to ``files`` when given."""
    from mmruas.utils.checkpoints import build_test_dataset
    dataset = build_test_dataset(cfg, pipeline=[], test_mode=True)
    anns = {}
    ann_file = getattr(dataset, 'ann_file', '')
    if files is not None and isinstance(ann_file, str) and ann_file:
        files.append(ann_file)
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        if files is not None:
            files += [v for k, v in info.items() if k.endswith('_path') and isinstance(v, str)]
        keep = [x for x in info['instances'] if not x.get('ignore_flag', 0)]
        drop = [x for x in info['instances'] if x.get('ignore_flag', 0)]
        anns[osp.abspath(info['img_path'])] = dict(
            bboxes=np.array([x['bbox'] for x in keep], np.float32).reshape(-1, 4),
            labels=np.array([x['bbox_label'] for x in keep], np.int64),
            bboxes_ignore=np.array([x['bbox'] for x in drop], np.float32).reshape(-1, 4),
            labels_ignore=np.array([x['bbox_label'] for x in drop], np.int64))
    return list(dataset.metainfo['classes']), anns


def _array(value, what: str) -> np.ndarray:
    if hasattr(value, 'detach'):
        value = value.detach().cpu().numpy()
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f'{what} is not numeric') from None


def load_detections(path: str, anns: dict, num_classes: int) -> list[list[np.ndarray]]:
    """Per image (in ``anns`` order) and class, an ``(n, 5)`` array x1 y1 x2 y2 score.

    Raises ``ValueError`` (one line) for an unreadable or malformed file.
    """
    try:
        results = load_pickle(path)   # restricted: never calls a global outside its list
    except FileNotFoundError:
        raise ValueError('no such file') from None
    except OSError as exc:
        raise ValueError(f'cannot read ({exc.strerror or exc})') from None
    if not isinstance(results, (list, tuple)) or not results:
        raise ValueError('expected a non-empty list of per-image results (tools/test.py --out)')
    dets: dict[str, list[np.ndarray]] = {}
    for i, res in enumerate(results):
        if not isinstance(res, dict) or 'img_path' not in res or 'pred_instances' not in res:
            raise ValueError(f'entry {i} has no img_path / pred_instances (not a detection '
                             'dump of tools/test.py --out)')
        pred = res['pred_instances']
        try:
            boxes = _array(pred['bboxes'], f'entry {i} bboxes').reshape(-1, 4)
            scores = _array(pred['scores'], f'entry {i} scores').reshape(-1)
            labels = _array(pred['labels'], f'entry {i} labels').reshape(-1).astype(np.int64)
        except (KeyError, TypeError) as exc:
            raise ValueError(f'entry {i}: pred_instances lacks {exc}') from None
        if not len(boxes) == len(scores) == len(labels):
            raise ValueError(f'entry {i}: {len(boxes)} boxes, {len(scores)} scores, '
                             f'{len(labels)} labels')
        if len(labels) and (labels.min() < 0 or labels.max() >= num_classes):
            raise ValueError(f'entry {i}: labels outside 0..{num_classes - 1}')
        key = osp.abspath(str(res['img_path']))
        if key not in anns:
            raise ValueError(f'entry {i}: {res["img_path"]} is not an image of the test set')
        if key in dets:
            raise ValueError(f'entry {i}: {res["img_path"]} appears twice')
        both = np.concatenate([boxes, scores[:, None]], axis=1).astype(np.float32)
        dets[key] = [both[labels == c] for c in range(num_classes)]
    if len(dets) != len(anns):
        missing = next(k for k in anns if k not in dets)
        raise ValueError(f'covers {len(dets)} of the {len(anns)} test images (e.g. no '
                         f'entry for {missing})')
    return [dets[k] for k in anns]


def pr_curves(dets: list, anns: dict, classes: Sequence[str], iou_thr: float) -> list[dict]:
    """``[dict(cls, recall, precision, ap)]`` per class with ground truth (mmdet eval_map)."""
    from mmdet.evaluation.functional import eval_map

    _, per_class = eval_map(dets, list(anns.values()), iou_thr=iou_thr, dataset=list(classes),
                            logger='silent', eval_mode='area', use_legacy_coordinate=True)
    return [dict(cls=c, recall=np.asarray(r['recall']).reshape(-1),
                 precision=np.asarray(r['precision']).reshape(-1), ap=float(r['ap']))
            for c, r in zip(classes, per_class) if r['num_gts'] > 0]


def plot(curves: list[tuple[str, dict]], out: str, title: str, iou_thr: float,
         overwrite: bool = False) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 4.5), dpi=120)
    for label, c in curves:
        ax.plot(c['recall'], c['precision'], label=f'{label} (AP {c["ap"]:.3f})')
    ax.set(xlabel='Recall', ylabel='Precision', xlim=(0, 1), ylim=(0, 1.01),
           title=title or f'Precision-recall, IoU {iou_thr:g}')
    ax.grid(alpha=0.3)
    ax.legend(loc='lower left', fontsize=8)
    fig.tight_layout()
    ensure_folder(osp.dirname(osp.abspath(out)))
    with atomic_path(out, overwrite=overwrite) as tmp:
        fig.savefig(tmp, format='png')
    plt.close(fig)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='the config whose test data set holds the ground truth')
    parser.add_argument('predictions', nargs='+', help='tools/test.py --out pickle file(s)')
    parser.add_argument('--out', required=True, help='PNG file to write')
    parser.add_argument('--labels', nargs='+', help='legend name per pickle (default: names)')
    parser.add_argument('--iou-thr', type=float, default=0.5)
    parser.add_argument('--title', default='')
    parser.add_argument('--overwrite', action='store_true', help='replace an existing --out')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings')
    args = parser.parse_args(argv)
    if any(osp.abspath(p) == osp.abspath(args.out) for p in [args.config, *args.predictions]):
        raise ToolError(f'--out {args.out} is one of the input files')
    check_new_output(args.out, overwrite=args.overwrite,
                     inputs=[args.config, *args.predictions])
    if not args.out.lower().endswith('.png'):
        raise ToolError(f'--out must be a .png file, got {args.out}')
    if args.labels and len(args.labels) != len(args.predictions):
        raise ToolError(f'{len(args.labels)} --labels for {len(args.predictions)} pickle files')
    if not 0 < args.iou_thr < 1:
        raise ToolError(f'--iou-thr must be in (0, 1), got {args.iou_thr}')
    cfg = load_config(args.config, args.cfg_options)
    data_files: list[str] = []
    classes, anns = ground_truth(cfg, data_files)
    check_not_inputs(args.out, [args.config, *args.predictions, *data_files])
    labels = args.labels or [osp.splitext(osp.basename(p))[0] for p in args.predictions]
    curves, failed = [], []
    for path, label in zip(args.predictions, labels):
        try:
            dets = load_detections(path, anns, len(classes))
        except UnsafePickleError as exc:
            raise ToolError(f'{exc}; refusing to go on') from None
        except ValueError as exc:
            failed.append(f'{path}: {exc}')
            continue
        for c in pr_curves(dets, anns, classes, args.iou_thr):
            name = label if len(classes) == 1 else f'{label} {c["cls"]}'
            curves.append((name, c))
            print(f'{path}: {c["cls"]} AP{round(args.iou_thr * 100)} = {c["ap"]:.4f}')
    if not curves:
        raise ToolError(f'no curve to draw ({len(failed)} of {len(args.predictions)} '
                        f'file(s) failed: {"; ".join(failed)})')
    for line in failed:
        print(f'skipped {line}', file=sys.stderr)
    plot(curves, args.out, args.title, args.iou_thr, args.overwrite)
    print(f'wrote {args.out}' + (f'; {len(failed)} file(s) skipped' if failed else ''))
    return 1 if failed else 0


if __name__ == '__main__':
    run_tool(main)
