# RUAS + SSD300 on ExDark with an ImageNet ResNet-50 backbone, an ExDark extra (RUAS-TPAMI
# Table VII's backbone comparison is on DARK FACE: configs/ruas_ssd_darkface/), otherwise
# configs/ruas_ssd_exdark.py (hierarchical stage 2, published genotypes). The ResNet is mmpretrain's (`mmpretrain.` scope), cut
# after its third stage: stages 2 and 3 (512 channels at stride 8, 1,024 at stride 16: 38 x 38 and
# 19 x 19 at 300 x 300) take the places of VGG16's conv4_3 and fc7, so SSD300's neck
# extras, anchors and head stay as they are; BN statistics frozen, the stem and first stage
# fixed (mmdet's ResNet fine-tuning); no L2Norm (BN features); ImageNet mean / std.
# ImageNet weights from a local file only (mmpretrain's resnet50_8xb32_in1k, keys
# backbone.*; download.openmmlab.com/mmclassification/v0/resnet/):
#   python tools/train.py configs/ruas_ssd_exdark/ruas_ssd_exdark_r50.py --cfg-options \
#       model.backbone.init_cfg.checkpoint=/path/resnet50_8xb32_in1k_20210831-ea4938fc.pth
_base_ = ['./ruas_ssd_exdark.py']
custom_imports = dict(imports=['mmruas', 'mmpretrain.models'], allow_failed_imports=False)

resnet_checkpoint = 'data/pretrained/resnet50_8xb32_in1k_20210831-ea4938fc.pth'
model = dict(
    data_preprocessor=dict(std=[58.395, 57.12, 57.375]),
    backbone=dict(
        _delete_=True,
        type='mmpretrain.ResNet',
        depth=50,
        num_stages=3,
        strides=(1, 2, 2),
        dilations=(1, 1, 1),
        out_indices=(1, 2),
        style='pytorch',
        frozen_stages=1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=True,
        init_cfg=dict(type='Pretrained', checkpoint=resnet_checkpoint, prefix='backbone.')),
    neck=dict(in_channels=(512, 1024), l2_norm_scale=None))
