"""What the detector sees: input, scene output and detections side by side, as one PNG.

    python tools/analysis_tools/show_scene.py --run CONFIG CKPT [--run CONFIG CKPT ...]
        --out scene.png [--labels NAME ...] [--images 4 | --indices I ...]
        [--score-thr 0.3] [--display-gain 8] [--overwrite]

Every ``--run`` is a trained detector (its config and checkpoint, e.g. two rows of
``ablate_scene.py``: ``WORK/runs/tm/s0/train.py`` with ``WORK/runs/tm/s0/train/iter_300.pth``).
The images are the first ``--images`` (or the ``--indices``) of the first run's test data
set, after its test pipeline (so at the detector's input size); every run must read the
same images. One row per image; its panels:

- the input ×``--display-gain`` (for display only: the dark input itself is near black)
  with the ground-truth boxes;
- per run with a scene module in its data preprocessor: the scene output (the image the
  detector gets, before its mean/std), then the run's detections drawn on it;
- per run without one: its detections drawn on the amplified input.

Boxes are drawn by mmdet's ``DetLocalVisualizer`` (scores >= ``--score-thr``); the
predictions, which mmdet rescales to the original image, are mapped back to the input
size. Models are loaded strictly through :func:`mmruas.utils.checkpoints.load_weights`
(restricted unpickling). The PNG is written atomically, never over an input (configs,
checkpoints, images) and over an existing file only with ``--overwrite``.
"""
from __future__ import annotations

import argparse
import os.path as osp
from collections.abc import Sequence

import numpy as np

import mmruas  # noqa: F401  (registers the models and data sets)
from mmruas.utils.cli import ToolError, load_config, run_tool
from mmruas.utils.safe_io import check_new_output, ensure_folder, write_image

TITLE_H = 18


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--run', nargs=2, action='append', required=True,
                   metavar=('CONFIG', 'CHECKPOINT'), help='a trained detector (repeatable)')
    p.add_argument('--out', required=True, help='the PNG to write')
    p.add_argument('--labels', nargs='+', help='one name per --run (default: the config '
                                               'file\'s folder name)')
    p.add_argument('--images', type=int, default=4, help='the first N test images')
    p.add_argument('--indices', type=int, nargs='+', help='these test images instead')
    p.add_argument('--score-thr', type=float, default=0.3)
    p.add_argument('--display-gain', type=float, default=8.0,
                   help='brightening of the input panels (display only)')
    p.add_argument('--overwrite', action='store_true')
    return p.parse_args(argv)


def load_run(config: str, checkpoint: str):
    """``(model in eval mode, test data set)`` of one ``--run``."""
    from mmruas.utils.checkpoints import build_model, build_test_dataset, load_weights
    cfg = load_config(config)
    model = build_model(cfg)
    load_weights(model, checkpoint)
    return model.eval(), build_test_dataset(cfg, config)


def predict(model, batch: dict) -> tuple[list, list[np.ndarray] | None]:
    """The model's predictions for a collated batch and, when it has a scene module, each
    image's scene output (H x W x 3 RGB float in [0, 1]); no gradients."""
    import torch
    pre = model.data_preprocessor
    with torch.no_grad():
        if hasattr(pre, 'run_scene'):
            data, scene_outputs = pre.run(batch, False)
            scenes: list = [None] * len(batch['inputs'])
            for out in scene_outputs:
                for j, i in enumerate(out.indices):
                    scenes[i] = out.output[j].clamp(0, 1).permute(1, 2, 0).cpu().numpy()
        else:
            data, scenes = pre(batch, False), None
        return model(**data, mode='predict'), scenes


def scaled(boxes, metainfo: dict):
    """x1 y1 x2 y2 ``boxes`` (a tensor) of the original image in the input frame."""
    import torch
    sx, sy = metainfo['scale_factor']
    return boxes * torch.tensor([sx, sy, sx, sy], dtype=boxes.dtype)


def to_input_frame(sample):
    """A new sample with the predictions' boxes mapped from the original image to the
    input size (``sample`` itself is left as it is)."""
    from mmdet.structures import DetDataSample
    pred = sample.pred_instances.new(**{k: v for k, v in sample.pred_instances.items()})
    pred.bboxes = scaled(pred.bboxes, sample.metainfo)
    return DetDataSample(metainfo=sample.metainfo, pred_instances=pred)


def titled(img: np.ndarray, title: str) -> np.ndarray:
    """An RGB uint8 panel with ``title`` on a white strip above it."""
    import cv2
    strip = np.full((TITLE_H, img.shape[1], 3), 255, np.uint8)
    cv2.putText(strip, title, (2, TITLE_H - 5), cv2.FONT_HERSHEY_SIMPLEX, 0.38, (0, 0, 0), 1,
                cv2.LINE_AA)
    return np.concatenate([strip, img], axis=0)


def ground_truth(info: dict, packed):
    """The data set's boxes of one image (``info``, original frame) as a sample in the
    input frame of ``packed`` (whichever order the pipeline loads and resizes in)."""
    import torch
    from mmdet.structures import DetDataSample
    from mmengine.structures import InstanceData
    keep = [x for x in info['instances'] if not x.get('ignore_flag', 0)]
    boxes = torch.tensor([x['bbox'] for x in keep], dtype=torch.float32).reshape(-1, 4)
    sample = DetDataSample(metainfo=packed.metainfo)
    sample.gt_instances = InstanceData(
        bboxes=scaled(boxes, packed.metainfo),
        labels=torch.tensor([x['bbox_label'] for x in keep], dtype=torch.long))
    return sample


def draw(vis, image: np.ndarray, sample, gt: bool, thr: float) -> np.ndarray:
    """``image`` (RGB uint8) with the sample's ground truth or predictions drawn on it."""
    vis.add_datasample('panel', image, sample, draw_gt=gt, draw_pred=not gt, pred_score_thr=thr)
    return vis.get_image()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.labels and len(args.labels) != len(args.run):
        raise ToolError(f'--labels: {len(args.labels)} names for {len(args.run)} --run')
    if args.display_gain <= 0 or not 0 <= args.score_thr <= 1:
        raise ToolError('--display-gain must be > 0 and --score-thr in [0, 1]')
    labels = args.labels or [osp.basename(osp.dirname(osp.abspath(c))) for c, _ in args.run]
    runs = [load_run(c, k) for c, k in args.run]
    dataset = runs[0][1]
    indices = args.indices if args.indices else list(range(min(args.images, len(dataset))))
    if not indices or min(indices) < 0 or max(indices) >= len(dataset):
        raise ToolError(f'--indices/--images: the test set has {len(dataset)} images')
    infos = [dataset.get_data_info(i) for i in indices]
    paths = [info['img_path'] for info in infos]
    for (config, _), (_, ds) in zip(args.run[1:], runs[1:]):
        if len(ds) != len(dataset) or [ds.get_data_info(i)['img_path']
                                        for i in indices] != paths:
            raise ToolError(f'{config}: its test set is not the first run\'s')
    inputs = [p for pair in args.run for p in pair] + [   # images, label files, lists
        v for info in infos for k, v in info.items() if k.endswith('_path') and
        isinstance(v, str)] + [getattr(ds, 'ann_file', '') for _, ds in runs]
    check_new_output(args.out, overwrite=args.overwrite, inputs=inputs)

    from mmdet.visualization import DetLocalVisualizer
    from mmengine.dataset import pseudo_collate
    vis = DetLocalVisualizer.get_instance('mmruas_show_scene')
    vis.dataset_meta = dataset.metainfo
    items = [dataset[i] for i in indices]
    batch = pseudo_collate(items)
    # The input panel: the packed BGR uint8 image, brightened for display only.
    shown = [np.clip(x.permute(1, 2, 0).numpy()[..., ::-1].astype(np.float32)
                     * args.display_gain, 0, 255).astype(np.uint8) for x in batch['inputs']]
    rows = [[titled(draw(vis, shown[r], ground_truth(info, item['data_samples']), True,
                         args.score_thr), f'input x{args.display_gain:g}, ground truth')]
            for r, (info, item) in enumerate(zip(infos, items))]
    for label, (model, _) in zip(labels, runs):
        preds, scenes = predict(model, pseudo_collate(items))
        for r, pred in enumerate(preds):
            pred = to_input_frame(pred)
            if scenes is None:
                base, note = shown[r], f'{label}: detections (on input x{args.display_gain:g})'
            else:
                base = (scenes[r] * 255.0 + 0.5).astype(np.uint8)
                rows[r].append(titled(base, f'{label}: scene output'))
                note = f'{label}: detections'
            rows[r].append(titled(draw(vis, base, pred, False, args.score_thr), note))
    grid = np.concatenate([np.concatenate(row, axis=1) for row in rows], axis=0)
    ensure_folder(osp.dirname(osp.abspath(args.out)))
    write_image(args.out, np.ascontiguousarray(grid[..., ::-1]), overwrite=args.overwrite)
    print(f'{args.out}: {len(indices)} images x {len(rows[0])} panels')
    return 0


if __name__ == '__main__':
    run_tool(main)
