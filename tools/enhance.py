"""Enhance low-light images with a trained RUAS model.

    python tools/enhance.py CONFIG CHECKPOINT INPUT OUTPUT_DIR [--batch-size 8]
        [--tile 512] [--device cpu|cuda] [--side-by-side] [--save-illumination]
        [--keep-tree] [--cfg-options k=v ...]

INPUT is an image file, a folder (its png/jpg/jpeg/bmp/tif/tiff files, not recursive),
a glob pattern, or a video file (.mp4/.avi/.mov/.mkv/.m4v/.webm: written as
OUTPUT_DIR/<name of the input>, same container, frame rate, size and frame count; frames in
batches of --batch-size; the written video is read back and its frames counted before it
takes its name, so a full disk is an error, never a truncated video). ``--tile N`` runs
the exact tiled inference (docs/deployment.md#tiled-inference): the same output as the
whole image, with memory bounded by the tile.

Every result is a PNG named after its input (``<stem>.png``; with
``--side-by-side`` also ``<stem>_side_by_side.png`` = input | output | illumination,
with ``--save-illumination`` also ``<stem>_illumination.png``), 16-bit for 16-bit
inputs and 8-bit otherwise. Images of one size are enhanced in batches.

``--keep-tree``: INPUT is a data set folder (e.g. an ExDark, DARK FACE or ACDC root);
every image below it, at any depth, is enhanced to OUTPUT_DIR/<the same relative
folder>/<stem>.png, so that OUTPUT_DIR mirrors the data set's layout. Train and test any
task config on that tree with ``enhanced_root=OUTPUT_DIR`` (the "enhancer + task" rows of
the papers' comparison tables: docs/reproduce.md#comparison-rows). Non-image files
(annotations, lists) are not copied: the data set still reads them from its own root.

Data safety: the tool never writes into a folder holding the inputs, never writes onto an
input (compared by identity: a hard link to an input is refused too) and refuses existing
outputs unless ``--overwrite``. Each PNG is encoded in memory, written to a temporary name
in the output folder and renamed into place once complete; without ``--overwrite`` the
final name is claimed create-exclusively, so a concurrent run that wrote the same name
first is never replaced. JPEGs are read as a viewer shows them (EXIF orientation
applied); the PNGs carry no EXIF. Unreadable images, non-finite results (NaN/Inf, e.g.
from broken weights) and failed writes are reported and skipped (exit status 1).
"""
from __future__ import annotations

import argparse
import glob
import os
import os.path as osp
import sys
from collections import defaultdict
from dataclasses import dataclass

# FFmpeg's own log lines (e.g. "moov atom not found" while a written video is checked)
# would break the one-`error:`-line promise; the tool reports video problems itself.
os.environ.setdefault('OPENCV_FFMPEG_LOGLEVEL', '-8')

import cv2
import numpy as np
import torch

import mmruas  # noqa: F401  (applies the torch-2.14 compatibility fixes)
from mmruas.apis.inference import enhance_batch, image_to_tensor, init_enhancer
from mmruas.apis.inference import read_image as api_read_image
from mmruas.apis.video import VIDEO_EXTENSIONS, enhance_video, is_video
from mmruas.utils.cli import DictAction, ToolError, load_config, run_tool
from mmruas.utils.safe_io import (
    atomic_write_bytes,
    check_folder_creatable,
    encode_image,
    ensure_folder,
)
from mmruas.visualization import side_by_side, to_image

IMG_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff')
#: video containers OpenCV may read but the tool does not write: refused with a clear line
OTHER_VIDEO_EXTENSIONS = ('.mpg', '.mpeg', '.wmv', '.flv', '.3gp', '.ts', '.mts', '.m2ts',
                          '.ogv', '.vob', '.asf', '.f4v')


@dataclass
class Image:
    path: str
    data: np.ndarray  # H×W×3 BGR, uint8 or uint16

    @property
    def bit_depth(self) -> int:
        return 16 if self.data.dtype == np.uint16 else 8


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('input', help='image file, folder or glob pattern')
    parser.add_argument('output_dir', help='folder for the results (not an input folder)')
    parser.add_argument('--batch-size', type=int, default=8,
                        help='images of one size per forward pass')
    parser.add_argument('--tile', type=int, default=None,
                        help='exact tiled inference with N×N tiles (same output, less memory)')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu',
                        help='cpu or cuda[:N]')
    parser.add_argument('--side-by-side', action='store_true',
                        help='also write <stem>_side_by_side.png (input | output | t)')
    parser.add_argument('--save-illumination', action='store_true',
                        help='also write <stem>_illumination.png (the final t)')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace existing outputs (never an input)')
    parser.add_argument('--lenient', action='store_true', help='load a checkpoint that '
                        'does not fit the model exactly (the keys that fit; others listed)')
    parser.add_argument('--keep-tree', action='store_true',
                        help='INPUT is a data set folder: enhance every image below it into '
                        'the same relative folders of OUTPUT_DIR (its layout kept)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings')
    args = parser.parse_args()
    if args.keep_tree and not osp.isdir(args.input):
        parser.error(f'--keep-tree needs a folder as INPUT, got {args.input!r}')
    if args.batch_size < 1:
        parser.error(f'--batch-size must be >= 1, got {args.batch_size}')
    if args.tile is not None and args.tile < 1:
        parser.error(f'--tile must be >= 1, got {args.tile}')
    return args


def collect_tree(folder: str) -> tuple[list[str], set[str]]:
    """Every image below ``folder`` at any depth (sorted, absolute; links to folders are
    followed once), and the real path of ``folder`` (outputs must lie outside it)."""
    folder = osp.abspath(folder)
    files = []
    for root, dirs, names in os.walk(folder, followlinks=True):
        dirs.sort()
        files += [osp.join(root, f) for f in sorted(names) if f.lower().endswith(IMG_EXTENSIONS)]
    if not files:
        raise ToolError(f'{folder}: no {"/".join(IMG_EXTENSIONS)} images at any depth')
    return files, {osp.realpath(folder)}


def collect_inputs(pattern: str) -> tuple[list[str], set[str]]:
    """The input files (sorted, absolute) and the real paths of the folders holding them."""
    if osp.isdir(pattern):
        folder = osp.abspath(pattern)
        files = [osp.join(folder, f) for f in sorted(os.listdir(folder))
                 if f.lower().endswith(IMG_EXTENSIONS) and osp.isfile(osp.join(folder, f))]
        if not files:
            raise ToolError(f'{pattern}: folder holds no {"/".join(IMG_EXTENSIONS)} images')
        return files, {osp.realpath(folder)}
    if osp.isfile(pattern):
        files = [osp.abspath(pattern)]
    else:
        files = sorted({osp.abspath(f) for f in glob.glob(pattern) if osp.isfile(f)})
        if not files:
            raise ToolError(f'{pattern}: no such file or folder, and no file matches it')
    folders = {osp.dirname(osp.realpath(f)) for f in files}
    return files, folders | {osp.realpath(osp.dirname(f)) for f in files}


def output_paths(path: str, out_dir: str, args: argparse.Namespace) -> list[str]:
    """The files written for the input ``path`` (with ``--keep-tree`` in the folder of
    ``path`` relative to INPUT)."""
    name = osp.splitext(osp.basename(path))[0]
    if args.keep_tree:
        name = osp.join(osp.relpath(osp.dirname(path), osp.abspath(args.input)), name)
    stem = osp.normpath(osp.join(out_dir, name))
    paths = [f'{stem}.png']
    if args.side_by_side:
        paths.append(f'{stem}_side_by_side.png')
    if args.save_illumination:
        paths.append(f'{stem}_illumination.png')
    return paths


def check_outputs(files: list[str], folders: set[str], out_dir: str,
                  args: argparse.Namespace, outputs=None) -> None:
    """Refuse output folders inside an input folder and outputs clashing with anything."""
    out_real = osp.realpath(out_dir)
    if osp.exists(out_dir) and not osp.isdir(out_dir):
        raise ToolError(f'{out_dir}: output path exists and is not a folder')
    check_folder_creatable(out_dir)
    for folder in sorted(folders):
        if out_real == folder or out_real.startswith(folder.rstrip(os.sep) + os.sep):
            raise ToolError(f'{out_dir}: output folder is (inside) the input folder {folder}; '
                            'choose another folder so that inputs are never overwritten')
    inputs = {osp.realpath(f) for f in files}
    inodes = {(st.st_dev, st.st_ino) for st in map(os.stat, files)}
    seen: dict[str, str] = {}
    existing = []
    for f in files:
        for p in (outputs(f, out_real) if outputs else output_paths(f, out_real, args)):
            if osp.realpath(p) in inputs or (
                    osp.exists(p) and (os.stat(p).st_dev, os.stat(p).st_ino) in inodes):
                raise ToolError(f'{p}: output would overwrite an input (same file)')
            if p in seen:
                raise ToolError(f'{f} and {seen[p]} would both be written to {p}')
            seen[p] = f
            if osp.lexists(p):
                existing.append(p)
    if existing and not args.overwrite:
        raise ToolError(f'{len(existing)} output(s) exist, e.g. {existing[0]}; refusing to '
                        'replace them (give --overwrite to replace them)')


def read_image(path: str) -> Image:
    """Read an 8/16-bit image as H×W×3 BGR (gray -> 3 channels, alpha dropped, EXIF
    orientation applied: :func:`mmruas.apis.inference.read_image`)."""
    try:
        return Image(path, api_read_image(path))
    except ValueError as exc:
        raise ValueError(str(exc).removeprefix(f'{path}: ')) from None


def build_model(cfg, checkpoint: str, device: str, lenient: bool = False
                ) -> torch.nn.Module:
    """Build ``cfg.model`` and load ``checkpoint`` strictly (unless ``lenient``); one-line
    errors."""
    from mmengine.registry import init_default_scope

    init_default_scope(cfg.get('default_scope', 'mmruas'))
    model = init_enhancer(cfg, checkpoint, strict=not lenient)
    try:
        return model.to(device).eval()
    except (RuntimeError, AssertionError) as exc:
        raise ToolError(f'device {device!r} is not usable: {str(exc).splitlines()[0]}') from exc


@torch.no_grad()
def enhance(model: torch.nn.Module, images: list[Image], device: str, tile: int | None = None,
            need_t: bool = True) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Enhance images of one size: (outputs, illuminations), B×3×H×W float RGB on CPU (the
    illuminations only if ``need_t``)."""
    x = torch.stack([image_to_tensor(img.data) for img in images]).to(device)
    if hasattr(model, 'scene'):
        out, t = enhance_batch(model.scene, x, tile, return_illumination=need_t)
        return out.cpu(), None if t is None else t.cpu()
    if tile:
        raise ToolError('--tile needs a model with a RUAS scene module')
    return model(x, mode='tensor').cpu(), None


def encode_results(img: Image, out: torch.Tensor, t: torch.Tensor | None,
                   paths: list[str], args: argparse.Namespace) -> list[bytes]:
    """The PNG bytes of each of ``paths``; ToolError for a non-finite result or a failed
    encoding (never a silently black picture: ``to_image`` would clip NaN to 0)."""
    for name, x in (('output', out), ('illumination', t)):
        if x is not None and not bool(torch.isfinite(x).all()):
            bad = int((~torch.isfinite(x)).sum())
            raise ToolError(f'{bad} non-finite (NaN/Inf) value(s) in the {name}; nothing '
                            'written (broken weights?)')
    out_img = to_image(out, img.bit_depth)
    images = [out_img]
    if args.side_by_side:
        panels = [img.data, out_img] + ([to_image(t, img.bit_depth)] if t is not None else [])
        images.append(side_by_side(panels))
    if args.save_illumination:
        images.append(to_image(t, img.bit_depth))
    return [encode_image(p, x) for p, x in zip(paths, images)]


def write_results(images: list[Image], outputs: torch.Tensor, ts: torch.Tensor | None,
                  out_dir: str, args: argparse.Namespace) -> list[tuple[str, str]]:
    """Write each image's results atomically; ``(input, reason)`` of each one that failed."""
    failed = []
    for img, out, t in zip(images, outputs, ts if ts is not None else [None] * len(images)):
        paths = output_paths(img.path, out_dir, args)
        try:
            ensure_folder(osp.dirname(paths[0]))
            for path, data in zip(paths, encode_results(img, out, t, paths, args)):
                atomic_write_bytes(path, data, overwrite=args.overwrite)
        except ToolError as exc:
            failed.append((img.path, str(exc)))
    return failed


def enhance_video_file(cfg, args: argparse.Namespace) -> int:
    """INPUT is a video: OUTPUT_DIR/<name of the input> (see the module docstring)."""
    from mmengine.utils import ProgressBar

    if args.side_by_side or args.save_illumination:
        raise ToolError('--side-by-side and --save-illumination are for images, not videos')
    src = osp.abspath(args.input)
    check_outputs([src], {osp.dirname(osp.realpath(src))}, args.output_dir, args,
                  outputs=lambda f, d: [osp.join(d, osp.basename(f))])
    model = build_model(cfg, args.checkpoint, args.device, args.lenient)
    dst = osp.join(ensure_folder(args.output_dir), osp.basename(src))
    cap = cv2.VideoCapture(src)
    total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) if cap.isOpened() else 0
    cap.release()
    progress = ProgressBar(max(total, 1))
    last = [0]

    def advance(done: int) -> None:
        for _ in range(min(done, max(total, 1)) - last[0]):
            progress.update()
        last[0] = min(done, max(total, 1))

    try:
        frames = enhance_video(model, src, dst, batch_size=args.batch_size, tile=args.tile,
                               overwrite=args.overwrite, progress=advance)
    except ValueError as exc:
        raise ToolError(str(exc)) from None
    print(f'\n{frames} frame(s) written to {dst}')
    return 0


def main() -> int:
    from mmengine.utils import ProgressBar

    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    if is_video(args.input) and osp.isfile(args.input):
        return enhance_video_file(cfg, args)
    if osp.splitext(args.input)[1].lower() in OTHER_VIDEO_EXTENSIONS:
        raise ToolError(f'{args.input}: unsupported video container '
                        f'{osp.splitext(args.input)[1]!r}; convert it to one of '
                        f'{", ".join(sorted(VIDEO_EXTENSIONS))}')
    files, folders = (collect_tree if args.keep_tree else collect_inputs)(args.input)
    check_outputs(files, folders, args.output_dir, args)
    model = build_model(cfg, args.checkpoint, args.device, args.lenient)
    if args.save_illumination and not hasattr(model, 'scene'):
        raise ToolError('--save-illumination needs a model with a RUAS scene module')
    out_dir = ensure_folder(args.output_dir)

    failed: list[tuple[str, str]] = []
    written = 0
    pending: dict[tuple[int, int], list[Image]] = defaultdict(list)
    progress = ProgressBar(len(files))

    def flush(key: tuple[int, int]) -> None:
        nonlocal written
        batch = pending.pop(key)
        outputs, ts = enhance(model, batch, args.device, args.tile,
                              need_t=args.side_by_side or args.save_illumination)
        bad = write_results(batch, outputs, ts, out_dir, args)
        for path, reason in bad:
            print(f'\nskipped {path}: {reason}', file=sys.stderr)
        failed.extend(bad)
        written += len(batch) - len(bad)
        for _ in batch:
            progress.update()

    for path in files:
        try:
            img = read_image(path)
        except ValueError as exc:
            failed.append((path, str(exc)))
            print(f'\nskipped {path}: {exc}', file=sys.stderr)
            progress.update()
            continue
        key = img.data.shape[:2]
        pending[key].append(img)
        if len(pending[key]) >= args.batch_size:
            flush(key)
    for key in list(pending):
        flush(key)
    print(f'\n{written} image(s) written to {args.output_dir}, {len(failed)} failed'
          + (f': {", ".join(osp.basename(f) for f, _ in failed)}' if failed else ''))
    return 1 if failed else 0


if __name__ == '__main__':
    run_tool(main)
