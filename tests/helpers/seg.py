"""The tiny segmentor of the ACDC tests: mmseg's DeepLab-v3+ shape with ResNet-18 V1c at
width 8, and the pipeline of its tiny ACDC tree."""
from __future__ import annotations

BN = dict(type='BN', requires_grad=True)


PIPELINE = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
            dict(type='PackSegInputs')]


SIZE = (48, 64)   # fixture images (h, w)


def tiny(model: dict) -> dict:
    """A segmentor config of mmseg's DeepLab-v3+ shape with ResNet-18 V1c at width 8."""
    model.pretrained = None
    model.init_cfg = None   # the configs start from a trained DeepLab-v3+ file (RUAS-TPAMI §7.2)
    model.backbone.update(depth=18, base_channels=8, stem_channels=8, norm_cfg=BN)
    model.decode_head.update(in_channels=64, channels=16, c1_in_channels=8, c1_channels=8,
                             norm_cfg=BN)
    model.auxiliary_head.update(in_channels=32, channels=8, norm_cfg=BN)
    model.data_preprocessor.size = SIZE
    if 'scene_checkpoint' in model.data_preprocessor:
        model.data_preprocessor.scene_checkpoint = None
    return model
