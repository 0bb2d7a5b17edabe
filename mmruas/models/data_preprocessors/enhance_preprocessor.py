"""Batch integer BGR images into float RGB in [0, 1] for the enhancer."""
from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from mmengine.model import BaseDataPreprocessor
from mmengine.structures import BaseDataElement

from mmruas.registry import MODELS

__all__ = ['EnhanceDataPreprocessor']

_DTYPE_MAX = {torch.uint8: 255.0, torch.uint16: 65535.0}


def white_level(img: torch.Tensor, sample: BaseDataElement | None, key: str) -> float:
    """White level from the metainfo ``key``, else from the dtype (float images: 1)."""
    if sample is not None and key in sample.metainfo:
        return float(sample.metainfo[key])
    return _DTYPE_MAX.get(img.dtype, 1.0)


@MODELS.register_module()
class EnhanceDataPreprocessor(BaseDataPreprocessor):
    """Move to the device, scale each image by its own ``max_value``, BGR -> RGB, pad, stack.

    ``forward`` returns ``dict(inputs=B x 3 x H x W float32 RGB in [0, 1],
    data_samples=list)``. Images of different sizes are zero-padded at the bottom/right to
    the largest size rounded up to a multiple of ``pad_size_divisor``; every data sample
    gets ``pad_shape`` (the batch ``(H, W)``) in its metainfo, ``img_shape`` keeps the
    unpadded size. A ``gt_img`` data field is converted the same way (using
    ``gt_max_value``) but not padded. A batch may mix 8- and 16-bit images.

    Args:
        bgr_to_rgb: reverse the channel order (inputs from the pipeline are BGR).
        pad_size_divisor: the padded size is a multiple of it.
        pad_value: value of the padded pixels (in the [0, 1] scale).
        non_blocking: passed to ``Tensor.to`` when moving to the device.
    """

    def __init__(self, bgr_to_rgb: bool = True, pad_size_divisor: int = 1,
                 pad_value: float = 0.0, non_blocking: bool = False) -> None:
        super().__init__(non_blocking=non_blocking)
        if pad_size_divisor < 1:
            raise ValueError(f'pad_size_divisor must be >= 1, got {pad_size_divisor}')
        self.bgr_to_rgb = bgr_to_rgb
        self.pad_size_divisor = int(pad_size_divisor)
        self.pad_value = float(pad_value)

    def to_float(self, img: torch.Tensor, max_value: float) -> torch.Tensor:
        """One C x H x W image -> float32 in [0, 1], RGB when ``bgr_to_rgb``."""
        if img.dim() != 3 or img.shape[0] != 3:
            raise ValueError(f'expected a 3 x H x W image, got shape {tuple(img.shape)}')
        out = img.to(torch.float32) / max_value
        return out.flip(0) if self.bgr_to_rgb else out

    def unpack(self, data: dict) -> tuple[list[torch.Tensor], list[BaseDataElement]]:
        """The batch on the device as ``(inputs, data_samples)`` lists (``pseudo_collate``
        lists or a stacked tensor; empty samples when the batch has none)."""
        data = self.cast_data(data)
        inputs = data['inputs']
        samples: Sequence[BaseDataElement] | None = data.get('data_samples')
        if isinstance(inputs, torch.Tensor):
            inputs = list(inputs) if inputs.dim() == 4 else [inputs]
        if samples is None:
            samples = [BaseDataElement() for _ in inputs]
        if len(samples) != len(inputs):
            raise ValueError(f'{len(inputs)} inputs but {len(samples)} data samples')
        return list(inputs), list(samples)

    def gt_to_float(self, samples: Sequence[BaseDataElement]) -> None:
        """Each sample's ``gt_img`` (if any) as float RGB in [0, 1], in place."""
        for sample in samples:
            if 'gt_img' in sample:
                gt = sample.gt_img
                sample.gt_img = self.to_float(gt, white_level(gt, sample, 'gt_max_value'))

    def forward(self, data: dict, training: bool = False) -> dict:
        """Preprocess a collated batch (``pseudo_collate`` lists or a stacked tensor)."""
        inputs, samples = self.unpack(data)
        imgs = [self.to_float(img, white_level(img, s, 'max_value'))
                for img, s in zip(inputs, samples)]
        d = self.pad_size_divisor
        h = -(-max(img.shape[1] for img in imgs) // d) * d
        w = -(-max(img.shape[2] for img in imgs) // d) * d
        batch = torch.stack([
            F.pad(img, (0, w - img.shape[2], 0, h - img.shape[1]), value=self.pad_value)
            if img.shape[1:] != (h, w) else img for img in imgs])

        for img, sample in zip(inputs, samples):
            meta = dict(pad_shape=(h, w))
            if 'img_shape' not in sample.metainfo:
                meta['img_shape'] = tuple(img.shape[1:])
            sample.set_metainfo(meta)
        self.gt_to_float(samples)
        return dict(inputs=batch, data_samples=samples)
