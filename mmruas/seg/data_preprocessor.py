"""mmseg adapter of the scene-module preprocessor (RUAS-TPAMI §3 and §7,
docs/method.md#nested-formulation).

The same wrapper as detection
(:class:`~mmruas.models.scene_preprocessor.SceneDataPreprocessorMixin`) over mmseg's
``SegDataPreProcessor``: the scene runs on the unpadded images, then mmseg converts channels,
normalises, pads images with ``pad_val`` and maps with ``seg_pad_val``.
"""
from __future__ import annotations

from mmseg.models.data_preprocessor import SegDataPreProcessor
from mmseg.registry import MODELS as MMSEG_MODELS

from ..models.scene_preprocessor import SceneDataPreprocessorMixin

__all__ = ['RUASSegDataPreprocessor']


@MMSEG_MODELS.register_module()
class RUASSegDataPreprocessor(SceneDataPreprocessorMixin, SegDataPreProcessor):
    """mmseg's ``SegDataPreProcessor`` with the RUAS scene module run first
    (docs/method.md#nested-formulation).

    Args:
        scene: scene config, e.g. ``dict(type='RUAS', variant='RUAS_S')`` (searchable or a
            fixed genotype).
        freeze_scene, scene_checkpoint, max_value: see
            :meth:`~mmruas.models.scene_preprocessor.SceneDataPreprocessorMixin.init_scene`.
        **kwargs: ``SegDataPreProcessor``'s arguments (mean, std, size, size_divisor,
            pad_val, seg_pad_val, bgr_to_rgb, test_cfg, ...). The inputs are taken as BGR
            unless ``rgb_to_bgr``.
    """

