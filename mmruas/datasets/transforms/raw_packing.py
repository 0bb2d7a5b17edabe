"""RAW packing and the SID loading transforms (docs/method.md#data-set-layouts; Chen et al., CVPR
2018).

Packed RAW: the Bayer mosaic H x W → H/2 x W/2 x 4 in the order (R, Gr, Gb, B) whatever
the sensor's 2 x 2 layout (read from LibRaw's ``raw_pattern``/``color_desc``), black
level subtracted per channel, divided by ``white − black``, multiplied by the exposure
ratio and clipped to [0, 1] (as SID's code does). The ground truth is the long exposure
processed by LibRaw with fixed, deterministic settings (:data:`GT_POSTPROCESS`: SID's
``use_camera_wb=True, half_size=False, no_auto_bright=True, output_bps=16``, plus AHD
demosaicking, sRGB output, gamma (2.222, 4.5) and ``user_flip=0`` so that the target is
never rotated away from the packed RAW). Nothing is cached: every call reads the file.
"""
from __future__ import annotations

import os.path as osp
from collections.abc import Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.structures import BaseDataElement

from mmruas.registry import TRANSFORMS

__all__ = ['bayer_offsets', 'pack_raw', 'read_raw', 'postprocess_raw', 'GT_POSTPROCESS',
           'LoadPackedRaw', 'LoadRawGt', 'PackedRawRandomCrop', 'PackRawInputs']


def _rawpy():
    try:
        import rawpy
    except ImportError as exc:   # pragma: no cover - rawpy is in requirements.txt
        raise ImportError('reading RAW files needs rawpy (pip install rawpy==0.28.0)') from exc
    return rawpy


def _gt_settings() -> dict:
    rawpy = _rawpy()
    return dict(use_camera_wb=True, half_size=False, no_auto_bright=True, output_bps=16,
                demosaic_algorithm=rawpy.DemosaicAlgorithm.AHD,
                output_color=rawpy.ColorSpace.sRGB, gamma=(2.222, 4.5), user_flip=0)


#: LibRaw settings of the ground truth (documented above; built lazily from rawpy)
GT_POSTPROCESS = ('use_camera_wb=True, half_size=False, no_auto_bright=True, output_bps=16, '
                  'demosaic_algorithm=AHD, output_color=sRGB, gamma=(2.222, 4.5), user_flip=0')


def bayer_offsets(raw_pattern: np.ndarray, color_desc: bytes | str) -> list[tuple[int, int]]:
    """``(dy, dx)`` of R, Gr (the green on the red row), Gb and B in the 2 x 2 pattern."""
    desc = color_desc.decode() if isinstance(color_desc, bytes) else str(color_desc)
    pattern = np.asarray(raw_pattern)
    if pattern.shape != (2, 2):
        raise ValueError(f'only 2 x 2 Bayer patterns can be packed, got {pattern.shape}')
    names = [[desc[int(pattern[y, x])] for x in range(2)] for y in range(2)]
    pos = {c: [(y, x) for y in range(2) for x in range(2) if names[y][x] == c] for c in 'RGB'}
    if len(pos['R']) != 1 or len(pos['B']) != 1 or len(pos['G']) != 2:
        raise ValueError(f'not a Bayer pattern: {names}')
    r, b = pos['R'][0], pos['B'][0]
    gr = next(p for p in pos['G'] if p[0] == r[0])
    gb = next(p for p in pos['G'] if p != gr)
    return [r, gr, gb, b]


def pack_raw(bayer: np.ndarray, black_level: float | Sequence[float], white_level: float,
             offsets: Sequence[tuple[int, int]] = ((0, 0), (0, 1), (1, 0), (1, 1)),
             ratio: float = 1.0, clip: bool = True) -> np.ndarray:
    """Bayer H x W → H/2 x W/2 x 4 float32 (R, Gr, Gb, B): ``(x − black)/(white − black)``
    (negative → 0), times ``ratio``, clipped to 1 when ``clip``. ``black_level`` is one
    value or one per packed channel; an odd last row/column is dropped."""
    h, w = (bayer.shape[0] // 2) * 2, (bayer.shape[1] // 2) * 2
    black = np.broadcast_to(np.asarray(black_level, dtype=np.float64), (4,))
    chans = []
    for (dy, dx), blk in zip(offsets, black):
        c = bayer[dy:h:2, dx:w:2].astype(np.float64)
        chans.append(np.maximum(c - blk, 0.0) / (white_level - blk))
    out = np.stack(chans, axis=-1) * ratio
    return (np.minimum(out, 1.0) if clip else out).astype(np.float32)


def _open(path: str):
    rawpy = _rawpy()
    if not osp.isfile(path):
        raise FileNotFoundError(f'RAW file not found: {path}')
    try:
        return rawpy.imread(path)
    except (rawpy.LibRawError, OSError) as exc:
        raise ValueError(f'unreadable RAW file {path}: {type(exc).__name__}: {exc}') from None


def read_raw(path: str, ratio: float = 1.0, clip: bool = True) -> np.ndarray:
    """Packed RAW of a file read with rawpy (black/white levels and pattern from LibRaw)."""
    with _open(path) as raw:
        try:
            offsets = bayer_offsets(raw.raw_pattern, raw.color_desc)
        except (ValueError, TypeError) as exc:
            raise ValueError(f'{path}: {exc}') from None
        color = np.asarray(raw.raw_pattern)
        per_color = np.asarray(raw.black_level_per_channel, dtype=np.float64)
        black = [per_color[int(color[y, x])] for y, x in offsets]
        return pack_raw(raw.raw_image_visible, black, float(raw.white_level), offsets, ratio,
                        clip)


def postprocess_raw(path: str) -> np.ndarray:
    """H x W x 3 uint16 RGB of a RAW file with :data:`GT_POSTPROCESS`."""
    with _open(path) as raw:
        return raw.postprocess(**_gt_settings())


@TRANSFORMS.register_module()
class LoadPackedRaw(BaseTransform):
    """``img_path`` → ``img`` (packed RAW × ``results['ratio']``, float32, clipped to 1);
    ``img_shape``/``ori_shape`` are the full-resolution ``(H, W)`` the block returns."""

    def __init__(self, clip: bool = True) -> None:
        self.clip = bool(clip)

    def transform(self, results: dict) -> dict:
        raw = read_raw(results['img_path'], float(results.get('ratio', 1.0)), self.clip)
        results['img'] = raw
        results['img_shape'] = results['ori_shape'] = (2 * raw.shape[0], 2 * raw.shape[1])
        return results


@TRANSFORMS.register_module()
class LoadRawGt(BaseTransform):
    """``gt_path`` → ``gt_img`` (uint16, BGR like mmcv's loaders, :data:`GT_POSTPROCESS`),
    checked to match the packed input's full-resolution size."""

    def transform(self, results: dict) -> dict:
        rgb = postprocess_raw(results['gt_path'])
        shape = results.get('img_shape')
        if shape is not None:
            h, w = shape
            if rgb.shape[0] < h or rgb.shape[1] < w:
                raise ValueError(f'ground truth {results["gt_path"]} ({rgb.shape[:2]}) is '
                                 f'smaller than its input {results["img_path"]} ({h}, {w})')
            rgb = rgb[:h, :w]
        results['gt_img'] = np.ascontiguousarray(rgb[..., ::-1])
        return results


@TRANSFORMS.register_module()
class PackedRawRandomCrop(BaseTransform):
    """Crop ``crop_size`` (full-resolution ``(h, w)``, even) at an even position: the
    packed window from ``img`` and the aligned window from ``gt_img``; random flips of
    both when ``flip``. Randomness from ``np.random`` (seeded per worker by mmengine)."""

    def __init__(self, crop_size: Sequence[int], flip: bool = True) -> None:
        h, w = (int(crop_size), int(crop_size)) if np.isscalar(crop_size) else map(int,
                                                                                  crop_size)
        if h <= 0 or w <= 0 or h % 2 or w % 2:
            raise ValueError(f'crop_size must be two positive even numbers, got {crop_size}')
        self.crop_size, self.flip = (h, w), bool(flip)

    def transform(self, results: dict) -> dict:
        img = results['img']
        ph, pw = self.crop_size[0] // 2, self.crop_size[1] // 2
        if img.shape[0] < ph or img.shape[1] < pw:
            raise ValueError(f'PackedRawRandomCrop: {results.get("img_path")} is smaller than '
                             f'the crop {self.crop_size}')
        y = np.random.randint(0, img.shape[0] - ph + 1)
        x = np.random.randint(0, img.shape[1] - pw + 1)
        img = img[y:y + ph, x:x + pw]
        gt = results.get('gt_img')
        if gt is not None:
            gt = gt[2 * y:2 * y + 2 * ph, 2 * x:2 * x + 2 * pw]
        if self.flip:
            for axis in (0, 1):
                if np.random.rand() < 0.5:
                    # the packed channels keep their colours (as SID's code flips them)
                    img = np.flip(img, axis)
                    if gt is not None:
                        gt = np.flip(gt, axis)
        results['img'] = np.ascontiguousarray(img)
        if gt is not None:
            results['gt_img'] = np.ascontiguousarray(gt)
        results['img_shape'] = self.crop_size
        results['crop_bbox'] = (2 * x, 2 * y, 2 * x + 2 * pw, 2 * y + 2 * ph)
        return results


@TRANSFORMS.register_module()
class PackRawInputs(BaseTransform):
    """``img`` (h x w x C float) → ``inputs`` (C x h x w); ``gt_img`` → data field; the
    metainfo holds ``img_path``, ``gt_path``, ``ratio``, ``img_shape``, ``ori_shape``
    (full resolution) and ``gt_max_value``."""

    def __init__(self, meta_keys: Sequence[str] = ('gt_path', 'ratio', 'sample_idx',
                                                   'crop_bbox')) -> None:
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        img = results['img']
        full = (2 * img.shape[0], 2 * img.shape[1])
        meta = dict(img_path=results.get('img_path', '<unknown>'),
                    img_shape=tuple(results.get('img_shape', full)),
                    ori_shape=tuple(results.get('ori_shape', full)))
        meta.update({k: results[k] for k in self.meta_keys if k in results})
        sample = BaseDataElement()
        if 'gt_img' in results:
            gt = results['gt_img']
            sample.gt_img = torch.from_numpy(np.ascontiguousarray(gt.transpose(2, 0, 1)))
            meta['gt_max_value'] = float(np.iinfo(gt.dtype).max)
        sample.set_metainfo(meta)
        inputs = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))
        return dict(inputs=inputs, data_samples=sample)
