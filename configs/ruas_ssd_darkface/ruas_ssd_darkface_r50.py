# RUAS-TPAMI Table VII, "Ours" with ResNet-50 (mAP 0.674; VGG-16 0.685 there): the detector of
# configs/ruas_ssd_darkface.py with mmpretrain's ImageNet ResNet-50 in place of VGG-16. Its four
# stages (256, 512, 1,024, 2,048 channels at strides 4, 8, 16, 32) take the places of conv3_3,
# conv4_3, conv5_3 and fc7, so the extras, anchors and head keep their strides (our mapping;
# the paper does not describe it); no L2Norm (BN features); BN statistics frozen and the stem
# fixed (mmdet's ResNet fine-tuning); ImageNet mean / std.
#   python tools/train.py configs/ruas_ssd_darkface/ruas_ssd_darkface_r50.py --cfg-options \
#       model.backbone.init_cfg.checkpoint=/path/resnet50_8xb32_in1k_20210831-ea4938fc.pth
# (the paper's Table VII "Baseline" row: the same with the _tm.py changes, no scene module.)
_base_ = ['./ruas_ssd_darkface.py']
custom_imports = dict(imports=['mmruas', 'mmpretrain.models'], allow_failed_imports=False)

resnet_checkpoint = 'data/pretrained/resnet50_8xb32_in1k_20210831-ea4938fc.pth'
model = dict(
    data_preprocessor=dict(std=[58.395, 57.12, 57.375]),
    backbone=dict(
        _delete_=True,
        type='mmpretrain.ResNet',
        depth=50,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        style='pytorch',
        frozen_stages=1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=True,
        init_cfg=dict(type='Pretrained', checkpoint=resnet_checkpoint, prefix='backbone.')),
    neck=dict(in_channels=(256, 512, 1024, 2048), l2_norm_scales=()),
    bbox_head=dict(in_channels=(256, 512, 1024, 2048, 512, 256)))
