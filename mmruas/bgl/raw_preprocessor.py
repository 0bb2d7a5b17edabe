"""Batch packed RAW inputs (and their RGB ground truth) for the BGL model."""
from __future__ import annotations

import torch

from ..models.data_preprocessors.enhance_preprocessor import EnhanceDataPreprocessor
from ..registry import MODELS

__all__ = ['RawDataPreprocessor']


@MODELS.register_module()
class RawDataPreprocessor(EnhanceDataPreprocessor):
    """Stack C x h x w RAW inputs as they are (float kept, integers to float32; already
    black-level subtracted, normalised and amplified by
    :class:`~mmruas.datasets.transforms.LoadPackedRaw`).

    ``gt_img`` becomes float RGB in [0, 1] as in :class:`EnhanceDataPreprocessor`
    (``bgr_to_rgb`` applies to it only). All inputs of a batch must have one size (crop).
    """

    def forward(self, data: dict, training: bool = False) -> dict:
        inputs, samples = self.unpack(data)
        shapes = {tuple(i.shape) for i in inputs}
        if len(shapes) != 1:
            raise ValueError(f'RawDataPreprocessor needs inputs of one size, got {shapes}')
        batch = torch.stack([i if i.is_floating_point() else i.to(torch.float32)
                             for i in inputs])
        self.gt_to_float(samples)
        return dict(inputs=batch, data_samples=samples)
