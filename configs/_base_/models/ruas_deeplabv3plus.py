# DeepLab-v3+ (ResNet V1c, output stride 8) as mmseg's _base_/models/deeplabv3plus_r50-d8.py,
# with its feature conversion (the ASPP convs between encoder and decoder) written in the
# RUAS task search space (RUAS-TPAMI §4.1/§7, docs/method.md#task-edges): SearchSepASPPHead. The
# genotype SEG_ASPP_DEEPLABV3PLUS (1-C, 3-6-DC, 3-12-DC, 3-18-DC) is DeepLab-v3+'s own ASPP at rates
# 6/12/18; decode_head.aspp_genotype=None makes the four convs searchable, and a search writes
# the derived genotype into its retrain_config.py.
#
# The backbone's depth is not set here: ./ruas_deeplabv3plus_r50.py and
# ./ruas_deeplabv3plus_r101.py set it (and say where their ImageNet weights come from).
# SyncBN as in mmseg; a single-process run reverts it to BN.
_base_ = ['../seg_runtime.py']   # mmseg scope, mmseg runtime, custom_imports mmruas

norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=dict(
        type='SegDataPreProcessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_val=0,
        seg_pad_val=255,
        size=(512, 1024)),   # the training crop (_base_/datasets/acdc.py)
    pretrained=None,
    backbone=dict(
        type='ResNetV1c',
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        dilations=(1, 1, 2, 4),
        strides=(1, 2, 1, 1),
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        contract_dilation=True),
    decode_head=dict(
        type='SearchSepASPPHead',
        aspp_genotype='SEG_ASPP_DEEPLABV3PLUS',
        separable=True,
        in_channels=2048,
        in_index=3,
        channels=512,
        c1_in_channels=256,
        c1_channels=48,
        dropout_ratio=0.1,
        num_classes=19,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    auxiliary_head=dict(
        type='FCNHead',
        in_channels=1024,
        in_index=2,
        channels=256,
        num_convs=1,
        concat_input=False,
        dropout_ratio=0.1,
        num_classes=19,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.4)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
