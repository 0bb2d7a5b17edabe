"""mmdet adapter of the scene-module preprocessor (RUAS-TPAMI §3,
docs/method.md#nested-formulation).

The one wrapper (:class:`~mmruas.models.scene_preprocessor.SceneDataPreprocessorMixin`) over
mmdet's ``DetDataPreprocessor``: the scene runs on the unpadded images, then mmdet converts
channels, normalises, pads and applies its batch augmentations. Its mmseg twin is
:class:`mmruas.seg.RUASSegDataPreprocessor`.
"""
from __future__ import annotations

from mmdet.models.data_preprocessors import DetDataPreprocessor
from mmdet.registry import MODELS as MMDET_MODELS

from ..models.scene_preprocessor import SceneDataPreprocessorMixin

__all__ = ['RUASDetDataPreprocessor']


@MMDET_MODELS.register_module()
class RUASDetDataPreprocessor(SceneDataPreprocessorMixin, DetDataPreprocessor):
    """mmdet's ``DetDataPreprocessor`` with the RUAS scene module run first
    (docs/method.md#nested-formulation).

    Args:
        scene: scene config, e.g. ``dict(type='RUAS', variant='RUAS_A')`` (any variant,
            searchable or a fixed genotype).
        freeze_scene, scene_checkpoint, max_value: see
            :meth:`~mmruas.models.scene_preprocessor.SceneDataPreprocessorMixin.init_scene`.
        **kwargs: ``DetDataPreprocessor``'s arguments (mean, std, bgr_to_rgb, padding,
            batch_augments, ...). The inputs are taken as BGR unless ``rgb_to_bgr``.
    """

