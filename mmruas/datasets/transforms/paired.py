"""Random crop and flip applied identically to ``img`` and, when present, ``gt_img``.

mmcv's ``RandomCrop``/``RandomFlip`` (and mmdet's) move ``img`` plus boxes, masks and
segmentation maps, but not a second image such as ``gt_img``: the input and its ground
truth would lose alignment. These transforms draw one window / one flip per sample and
apply it to both. Randomness comes from ``np.random`` (seeded by mmengine per worker).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from mmcv.transforms import BaseTransform

from mmruas.registry import TRANSFORMS
from mmruas.utils.cli import DataError

__all__ = ['PairedRandomCrop', 'PairedRandomFlip']

IMAGE_KEYS = ('img', 'gt_img')


def _images(results: dict, name: str) -> list[str]:
    """The image keys present; ``img`` is required and ``gt_img`` must have its size."""
    if 'img' not in results:
        raise KeyError(f'{name} needs the key \'img\'')
    keys = [k for k in IMAGE_KEYS if k in results]
    shape = results['img'].shape[:2]
    if 'gt_img' in results and results['gt_img'].shape[:2] != shape:
        raise DataError(f'{name}: gt_img {results["gt_img"].shape[:2]} and img {shape} differ '
                        f'in size for {results.get("img_path", "<unknown>")}')
    return keys


@TRANSFORMS.register_module()
class PairedRandomCrop(BaseTransform):
    """Crop the same random ``crop_size`` window from ``img`` and ``gt_img``.

    Updates ``img_shape`` and records ``crop_bbox`` as ``(x1, y1, x2, y2)``.

    Args:
        crop_size: ``(h, w)`` or one int for a square window.
        offset_margin: the top-left offset is drawn uniformly from
            ``[0, max(0, H − h − offset_margin)]`` (and likewise for x). 0 (default) allows
            every window; 1 reproduces the RUAS-CVPR authors' training loader, which never
            draws the last row/column of windows.
    """

    def __init__(self, crop_size: int | Sequence[int], offset_margin: int = 0) -> None:
        size = (crop_size, crop_size) if isinstance(crop_size, int) else tuple(crop_size)
        if len(size) != 2 or min(size) <= 0:
            raise ValueError(f'crop_size must be a positive int or (h, w), got {crop_size!r}')
        if int(offset_margin) < 0:
            raise ValueError(f'offset_margin must be >= 0, got {offset_margin!r}')
        self.crop_size = (int(size[0]), int(size[1]))
        self.offset_margin = int(offset_margin)

    def transform(self, results: dict) -> dict:
        """Crop every image key present."""
        keys = _images(results, type(self).__name__)
        h, w = results['img'].shape[:2]
        ch, cw = self.crop_size
        if h < ch or w < cw:
            raise DataError(f'image {h}x{w} is smaller than crop {ch}x{cw}: '
                            f'{results.get("img_path", "<unknown>")} (lower the crop_size of '
                            f'{type(self).__name__} or leave the image out)')
        m = self.offset_margin
        y = np.random.randint(0, max(0, h - ch - m) + 1)
        x = np.random.randint(0, max(0, w - cw - m) + 1)
        for key in keys:
            results[key] = np.ascontiguousarray(results[key][y:y + ch, x:x + cw])
        results['img_shape'] = (ch, cw)
        results['crop_bbox'] = (x, y, x + cw, y + ch)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(crop_size={self.crop_size})'


@TRANSFORMS.register_module()
class PairedRandomFlip(BaseTransform):
    """Flip ``img`` and ``gt_img`` together.

    Each direction in ``direction`` is applied independently with probability ``prob``
    (so ``['horizontal', 'vertical']`` may flip both ways). Records ``flip`` (bool) and
    ``flip_direction`` (list of the directions applied).

    Args:
        prob: probability of each flip.
        direction: ``'horizontal'``, ``'vertical'`` or a list of them.
    """

    AXES = {'horizontal': 1, 'vertical': 0}

    def __init__(self, prob: float = 0.5, direction: str | Sequence[str] = 'horizontal') -> None:
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        directions = [direction] if isinstance(direction, str) else list(direction)
        bad = [d for d in directions if d not in self.AXES]
        if bad or not directions:
            raise ValueError(f'direction must be among {list(self.AXES)}, got {direction!r}')
        self.prob = prob
        self.direction = directions

    def transform(self, results: dict) -> dict:
        """Flip every image key present."""
        keys = _images(results, type(self).__name__)
        applied = [d for d in self.direction if np.random.rand() < self.prob]
        for d in applied:
            for key in keys:
                results[key] = np.flip(results[key], axis=self.AXES[d])
        for key in keys:
            results[key] = np.ascontiguousarray(results[key])
        results['flip'] = bool(applied)
        results['flip_direction'] = applied
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(prob={self.prob}, direction={self.direction})'
