"""Enhance a video file frame by frame (docs/deployment.md#video), with OpenCV.

Frames are read in batches of ``batch_size`` (one scene forward per batch; each frame's
noise gate decides alone), enhanced, and written to a temporary file next to the output
that takes the output's name only when every frame is written: same frame rate, size and
frame count as the input. The container and codec follow the output's extension.

OpenCV's ``VideoWriter`` reports no write failure (a full disk gives a truncated file and
no error), so the temporary file is re-opened and its frames counted before the rename: a
short count or another frame size is a ValueError and an existing output stays as it was.
"""
from __future__ import annotations

import os
import os.path as osp
from collections.abc import Callable

import cv2
import numpy as np
import torch
from torch import nn

from ..utils.cli import ToolError
from ..utils.safe_io import atomic_path
from ..visualization import to_image
from .inference import check_tile, enhance, image_to_tensor

__all__ = ['VIDEO_EXTENSIONS', 'count_frames', 'enhance_video', 'is_video']

#: output extension -> FourCC; inputs are whatever OpenCV's FFmpeg backend reads
VIDEO_EXTENSIONS = {'.mp4': 'mp4v', '.avi': 'MJPG', '.mov': 'mp4v', '.mkv': 'mp4v',
                    '.m4v': 'mp4v', '.webm': 'VP80'}


def is_video(path: str | os.PathLike) -> bool:
    """By extension: the files :func:`enhance_video` takes."""
    return osp.splitext(os.fspath(path))[1].lower() in VIDEO_EXTENSIONS


def count_frames(path: str) -> tuple[int, tuple[int, int]]:
    """``(frames that decode, (width, height))`` of the video ``path``, counted by reading
    it (a container's header may claim frames a truncated file does not hold)."""
    cap = cv2.VideoCapture(path)
    try:
        if not cap.isOpened():
            return 0, (0, 0)
        size = (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
        count = 0
        while cap.grab():
            count += 1
        return count, size
    finally:
        cap.release()


def _frames(cap: cv2.VideoCapture, batch_size: int):
    batch: list[np.ndarray] = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        batch.append(frame)
        if len(batch) == batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


def enhance_video(model: nn.Module, src: str, dst: str, batch_size: int = 8,
                  tile: int | None = None, overwrite: bool = False,
                  progress: Callable[[int], None] | None = None) -> int:
    """Enhance ``src`` into ``dst``; returns the number of frames written.

    Args:
        model: an enhancer (:func:`~mmruas.apis.init_enhancer`).
        batch_size: frames per forward pass.
        tile: exact tiled inference per frame (:func:`~mmruas.apis.enhance`).
        overwrite: replace an existing ``dst`` (refused otherwise).
        progress: called with the number of frames done after each batch.
    Raises:
        ValueError: unreadable input, unknown output extension, a missing output folder,
            an existing ``dst`` (without ``overwrite``) or the input itself, a failed or
            short write (checked by reading the written file back) or a non-finite
            output; ``dst`` is then left untouched.
    """
    check_tile(tile)
    ext = osp.splitext(dst)[1].lower()
    if ext not in VIDEO_EXTENSIONS:
        raise ValueError(f'{dst}: unknown video extension {ext!r}; use one of '
                         f'{", ".join(sorted(VIDEO_EXTENSIONS))}')
    if osp.exists(dst):
        if osp.exists(src) and osp.samefile(src, dst):
            raise ValueError(f'{dst}: is the input video; choose another output')
        if not overwrite:
            raise ValueError(f'{dst}: exists; refusing to replace it (overwrite=True does)')
    folder = osp.dirname(osp.abspath(dst))
    if not osp.isdir(folder):
        raise ValueError(f'{dst}: output folder {folder} does not exist')
    cap = cv2.VideoCapture(src)
    if not cap.isOpened():
        raise ValueError(f'{src}: cannot open video')
    try:
        return _write(model, cap, src, dst, batch_size, tile, overwrite, progress)
    except ToolError as exc:             # the temporary file or the rename failed
        raise ValueError(str(exc)) from None
    finally:
        cap.release()


def _write(model: nn.Module, cap: cv2.VideoCapture, src: str, dst: str, batch_size: int,
           tile: int | None, overwrite: bool,
           progress: Callable[[int], None] | None) -> int:
    """The body of :func:`enhance_video`: write, read back, rename."""
    ext = osp.splitext(dst)[1].lower()
    fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
    size = (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    done = 0
    with atomic_path(dst, overwrite=overwrite) as tmp:
        writer = cv2.VideoWriter(tmp, cv2.VideoWriter_fourcc(*VIDEO_EXTENSIONS[ext]),
                                 fps, size)
        if not writer.isOpened():
            raise ValueError(f'{dst}: OpenCV cannot write this format')
        try:
            for frames in _frames(cap, max(1, int(batch_size))):
                x = torch.stack([image_to_tensor(f) for f in frames])
                for out in enhance(model, x, tile=tile):
                    writer.write(to_image(out))
                done += len(frames)
                if progress is not None:
                    progress(done)
        finally:
            writer.release()
        if done == 0:
            raise ValueError(f'{src}: no frame could be read')
        got, got_size = count_frames(tmp)
        if got != done or got_size != size:
            kept = 'the existing file is kept' if osp.lexists(dst) else 'nothing written'
            raise ValueError(f'{dst}: the written video holds {got} of {done} frames '
                             f'({got_size[0]}×{got_size[1]}, expected {size[0]}×{size[1]}): '
                             f'a full disk or a codec failure; {kept}')
    return done
