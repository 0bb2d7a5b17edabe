"""Enhance an image in one call: ``init_enhancer(config, checkpoint)``, then
``enhance(model, 'dark.png', tile=512)`` (docs/deployment.md#python-api).

Arrays follow OpenCV's (and mmcv's) convention: H×W×3 BGR, ``uint8`` or ``uint16``; the
result has the input's bit depth. Tensors are C×H×W or B×C×H×W RGB floats in [0, 1] and
come back as such. ``tile`` runs the exact tiled inference of
:func:`mmruas.scene.tiling.tiled_scene` (same output, memory bounded by the tile).
"""
from __future__ import annotations

import os

import cv2
import numpy as np
import torch
from mmengine.config import Config
from torch import nn

from ..deprecated import moved_getattr
from ..scene import RUAS
from ..scene.tiling import tiled_scene
from ..utils.checkpoints import build_model, load_weights
from ..utils.cli import load_config
from ..visualization import to_image

__all__ = ['init_enhancer', 'enhance', 'read_image', 'image_to_tensor', 'enhance_batch']

ImageLike = str | os.PathLike | np.ndarray | torch.Tensor


def read_image(path: str | os.PathLike) -> np.ndarray:
    """An 8/16-bit image file as H×W×3 BGR: gray -> 3 channels, alpha dropped, and the EXIF
    orientation applied as image viewers do (``IMREAD_UNCHANGED`` would ignore it)."""
    data = cv2.imread(os.fspath(path), cv2.IMREAD_ANYDEPTH | cv2.IMREAD_ANYCOLOR)
    if data is None or data.size == 0:
        raise ValueError(f'{path}: cannot read image (missing, corrupt or unsupported format)')
    if data.dtype not in (np.uint8, np.uint16):
        raise ValueError(f'{path}: unsupported pixel type {data.dtype} (8- or 16-bit only)')
    if data.ndim == 2:
        data = data[:, :, None]
    if data.ndim != 3 or data.shape[2] not in (1, 2, 3, 4):
        raise ValueError(f'{path}: unsupported image shape {data.shape}')
    if data.shape[2] in (1, 2):  # gray, gray + alpha
        data = np.repeat(data[:, :, :1], 3, axis=2)
    return np.ascontiguousarray(data[:, :, :3])


def image_to_tensor(bgr: np.ndarray) -> torch.Tensor:
    """An H×W×3 BGR ``uint8``/``uint16`` image as a 3×H×W RGB float tensor in [0, 1]."""
    if (bgr.ndim != 3 or bgr.shape[2] != 3 or bgr.dtype not in (np.uint8, np.uint16)
            or bgr.size == 0):
        raise ValueError(f'expected a non-empty H×W×3 BGR uint8/uint16 image, got '
                         f'{bgr.dtype} {bgr.shape}')
    rgb = np.ascontiguousarray(bgr[:, :, ::-1].transpose(2, 0, 1)).astype(np.float32)
    return torch.from_numpy(rgb) / (65535.0 if bgr.dtype == np.uint16 else 255.0)


def check_tile(tile: int | None) -> int | None:
    """``tile`` as an int >= 1 (or None: untiled); ValueError otherwise (0 is not "off")."""
    if tile is None:
        return None
    if isinstance(tile, bool) or not isinstance(tile, (int, np.integer)) or tile < 1:
        raise ValueError(f'tile must be an integer >= 1 (or None for no tiling), got {tile!r}')
    return int(tile)


def check_batch(x: torch.Tensor) -> torch.Tensor:
    """``x`` (C×H×W or B×C×H×W, 3 channels, non-empty) as a B×3×H×W batch; ValueError
    with the shape otherwise (instead of an IndexError or a convolution's message)."""
    if x.ndim == 3:
        x = x[None]
    if x.ndim != 4 or x.shape[1] != 3 or 0 in x.shape:
        raise ValueError('expected an RGB tensor 3×H×W or B×3×H×W (non-empty), got shape '
                         f'{tuple(x.shape)}')
    return x


def enhance_batch(scene: RUAS, x: torch.Tensor, tile: int | None = None,
              return_illumination: bool = False
              ) -> tuple[torch.Tensor, torch.Tensor | None]:
    """``(output, tᴷ or None)`` of ``scene`` on the B×3×H×W batch ``x``, whole or tiled
    exactly (:func:`~mmruas.scene.tiling.tiled_scene`). Raises ValueError for a ``tile``
    below 1 or a batch of another shape."""
    tile = check_tile(tile)
    x = check_batch(x)
    if tile:
        return tiled_scene(scene, x, int(tile), return_illumination)
    res = scene(x)
    return res.output, (res.ts[-1] if return_illumination else None)


def init_enhancer(config: str | os.PathLike | Config, checkpoint: str | None = None,
                  device: str = 'cpu', cfg_options: dict | None = None,
                  strict: bool = True) -> nn.Module:
    """Build the enhancer of ``config`` and load ``checkpoint`` strictly (every key must
    match; ``strict=False`` loads the keys that fit and lists the others), in eval mode on
    ``device``."""
    cfg = config if isinstance(config, Config) else load_config(os.fspath(config), cfg_options)
    model = build_model(cfg)
    if checkpoint is not None:
        load_weights(model, os.fspath(checkpoint), strict=strict)
    model.cfg = cfg
    return model.to(device).eval()


def _scene(model: nn.Module) -> RUAS:
    scene = getattr(model, 'scene', model)
    if not isinstance(scene, RUAS):
        raise TypeError(f'enhance() needs a RUAS enhancer (a model with a RUAS .scene), got '
                        f'{type(model).__name__}')
    return scene


@torch.no_grad()
def enhance(model: nn.Module, img: ImageLike, tile: int | None = None,
            return_illumination: bool = False
            ) -> np.ndarray | torch.Tensor | tuple[np.ndarray | torch.Tensor, ...]:
    """The enhanced image (and the illumination tᴷ if ``return_illumination``).

    Args:
        model: an enhancer from :func:`init_enhancer` (or a RUAS scene module).
        img: an image path, an H×W×3 BGR ``uint8``/``uint16`` array, or an RGB tensor in
            [0, 1] (C×H×W or B×C×H×W).
        tile: tile side for exact tiled inference (``None``: the whole image at once).
    Raises:
        ValueError: unreadable image, an array or tensor of another shape or type, a
            ``tile`` below 1, or a non-finite result (never a silent black image).
    """
    check_tile(tile)
    scene = _scene(model)
    device = next(scene.parameters()).device
    tensor_in = isinstance(img, torch.Tensor)
    if tensor_in:
        x = check_batch(img.to(device=device, dtype=torch.float32))
        bit_depth = 0
    else:
        data = read_image(img) if isinstance(img, (str, os.PathLike)) else np.asarray(img)
        x = image_to_tensor(data)[None].to(device)
        bit_depth = 16 if data.dtype == np.uint16 else 8
    out, t = enhance_batch(scene, x, tile, return_illumination)
    bad = int((~torch.isfinite(out)).sum())
    if bad:
        raise ValueError(f'{bad} non-finite (NaN/Inf) value(s) in the output (broken weights?)')
    if tensor_in:
        results = (out if img.ndim == 4 else out[0], t if t is None or img.ndim == 4 else t[0])
    else:
        results = (to_image(out[0], bit_depth), None if t is None else to_image(t[0], bit_depth))
    return results if return_illumination else results[0]


__getattr__ = moved_getattr(__name__)  # 0.1 names (mmruas.deprecated)
