"""Pack a pipeline's results into ``dict(inputs=..., data_samples=...)``."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.structures import BaseDataElement

from mmruas.deprecated import moved_getattr
from mmruas.registry import TRANSFORMS

__all__ = ['PackEnhanceInputs', 'max_value_of', 'to_chw_tensor']

MAX_VALUES = {np.dtype(np.uint8): 255, np.dtype(np.uint16): 65535}


def max_value_of(img: np.ndarray, path: str = '<unknown>') -> int:
    """The white level of an integer image: 255 for uint8, 65535 for uint16."""
    if img.dtype not in MAX_VALUES:
        raise TypeError(f'image dtype must be uint8 or uint16, got {img.dtype}: {path}')
    return MAX_VALUES[img.dtype]


def to_chw_tensor(img: np.ndarray, path: str = '<unknown>') -> torch.Tensor:
    """HWC 3-channel array -> contiguous CHW tensor of the same dtype (no scaling)."""
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f'expected an H x W x 3 image, got shape {img.shape}: {path}')
    return torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))


@TRANSFORMS.register_module()
class PackEnhanceInputs(BaseTransform):
    """``img`` -> ``inputs`` (CHW, dtype kept, BGR); the rest -> a ``BaseDataElement``.

    Metainfo of the data sample: ``img_path``, ``ori_shape``, ``img_shape`` (both
    ``(H, W)``), ``max_value`` (255 / 65535), and with ground truth ``gt_path`` and
    ``gt_max_value``; plus any of ``meta_keys`` present in the results. ``gt_img``, when
    loaded, becomes the data field ``gt_img`` (CHW, dtype kept, BGR).

    Args:
        meta_keys: extra result keys copied to the metainfo when present.
    """

    def __init__(self, meta_keys: Sequence[str] = ('gt_path', 'sample_idx', 'crop_bbox',
                                                   'flip', 'flip_direction')) -> None:
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        """Pack one sample."""
        path = results.get('img_path', '<unknown>')
        if 'img' not in results:
            raise KeyError(f'PackEnhanceInputs needs the key \'img\': {path}')
        img = results['img']
        meta = dict(img_path=path, ori_shape=tuple(results.get('ori_shape', img.shape[:2])),
                    img_shape=tuple(img.shape[:2]), max_value=max_value_of(img, path))
        meta.update({k: results[k] for k in self.meta_keys if k in results})
        sample = BaseDataElement()
        if 'gt_img' in results:
            gt_path = results.get('gt_path', path)
            sample.gt_img = to_chw_tensor(results['gt_img'], gt_path)
            meta['gt_max_value'] = max_value_of(results['gt_img'], gt_path)
        sample.set_metainfo(meta)
        return dict(inputs=to_chw_tensor(img, path), data_samples=sample)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(meta_keys={self.meta_keys})'


__getattr__ = moved_getattr(__name__)  # 0.1 names (mmruas.deprecated)
