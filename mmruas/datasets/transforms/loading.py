"""Load images at their own bit depth: ``img`` from ``img_path``, ``gt_img`` from ``gt_path``.

mmcv's ``LoadImageFromFile`` turns 16-bit files into 8-bit with its default
``color_type='color'`` and returns 1 or 4 channels with ``'unchanged'``; these loaders keep
the bit depth (uint8 or uint16) and always give 3-channel BGR, HWC.
"""
from __future__ import annotations

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine import fileio

from mmruas.registry import TRANSFORMS
from mmruas.utils.cli import DataError, ImageReadError

__all__ = ['LoadLowLightImage', 'LoadGtImage', 'read_image']

# ANYDEPTH keeps 16 bit; ANYCOLOR keeps grey as one channel and drops alpha. Unlike
# IMREAD_UNCHANGED, this combination still applies the EXIF orientation (as cv2.imread
# and mmcv do for 8-bit files).
_FLAGS = cv2.IMREAD_ANYDEPTH | cv2.IMREAD_ANYCOLOR
SUPPORTED_DTYPES = (np.uint8, np.uint16)


def read_image(path: str, backend_args: dict | None = None) -> np.ndarray:
    """Read ``path`` as a 3-channel BGR HWC array, uint8 or uint16 as stored.

    Grey images are repeated to 3 channels and alpha is dropped. A missing file raises
    ``FileNotFoundError``; an empty, undecodable or unsupported one
    :class:`~mmruas.utils.cli.ImageReadError` (an ``OSError``), naming ``path``.
    """
    try:
        buf = fileio.get(path, backend_args=backend_args)
    except FileNotFoundError as e:
        raise FileNotFoundError(f'image file not found: {path}') from e
    if not buf:
        raise ImageReadError(f'empty image file (0 bytes): {path}')
    try:
        img = cv2.imdecode(np.frombuffer(buf, np.uint8), _FLAGS)
    except cv2.error as e:
        raise ImageReadError(f'cannot decode image file: {path} ({e.err or e})') from None
    if img is None:
        raise ImageReadError(f'cannot decode image file: {path}')
    if img.dtype not in SUPPORTED_DTYPES:
        raise ImageReadError(f'unsupported image dtype {img.dtype} (need uint8 or uint16): '
                             f'{path}')
    if img.ndim == 2:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    elif img.shape[2] == 4:
        img = cv2.cvtColor(img, cv2.COLOR_BGRA2BGR)
    elif img.shape[2] != 3:
        raise ImageReadError(f'unsupported number of channels {img.shape[2]}: {path}')
    return img


@TRANSFORMS.register_module()
class LoadLowLightImage(BaseTransform):
    """Read ``results['img_path']`` into ``img`` (BGR, HWC, uint8/uint16 as stored).

    Sets ``img_shape`` and ``ori_shape`` to ``(H, W)``.

    Args:
        backend_args: mmengine file backend arguments (``None``: local disk).
    """

    path_key = 'img_path'
    img_key = 'img'

    def __init__(self, backend_args: dict | None = None) -> None:
        self.backend_args = backend_args

    def transform(self, results: dict) -> dict:
        """Load the image; a missing ``img_path`` key raises ``KeyError``."""
        if self.path_key not in results:
            raise KeyError(f'{type(self).__name__} needs the key {self.path_key!r}')
        img = read_image(results[self.path_key], self.backend_args)
        results[self.img_key] = img
        self._set_shapes(results, img)
        return results

    def _set_shapes(self, results: dict, img: np.ndarray) -> None:
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]

    def __repr__(self) -> str:
        return f'{type(self).__name__}(backend_args={self.backend_args})'


@TRANSFORMS.register_module()
class LoadGtImage(LoadLowLightImage):
    """Read ``results['gt_path']`` into ``gt_img`` (BGR, HWC, uint8/uint16 as stored).

    When ``img`` is already loaded, the ground truth must have its height and width: a
    pair of other sizes raises :class:`~mmruas.utils.cli.DataError` (a ``ValueError``)
    naming both files.

    Args:
        backend_args: mmengine file backend arguments (``None``: local disk).
    """

    path_key = 'gt_path'
    img_key = 'gt_img'

    def _set_shapes(self, results: dict, img: np.ndarray) -> None:
        inp = results.get('img')
        if isinstance(inp, np.ndarray) and inp.shape[:2] != img.shape[:2]:
            raise DataError(f'ground truth {results[self.path_key]} is {_size(img)} but its '
                            f'input {results.get("img_path", "<unknown>")} is {_size(inp)}')
        results['gt_shape'] = img.shape[:2]


def _size(img: np.ndarray) -> str:
    """``'HxW'`` of an HWC image."""
    return f'{img.shape[0]}x{img.shape[1]}'
