# SSD300 (VGG16) with the searched neck extras and head convs published for DARK FACE
# (RUAS-TPAMI §4.1/§7, docs/method.md#task-edges): mmdet's _base_/models/ssd300.py with
# SearchSSDNeck (genotype DET_EXTRAS_DARKFACE on the spatial conv of each extra level)
# and SearchSSDHead (DET_REG_DARKFACE / DET_CLS_DARKFACE, one op per source level).
# Genotype None (neck.genotype, bbox_head.reg_genotype / cls_genotype) makes them
# searchable mixed operations over the high-level task set (Table 1).
#
# Pretrained VGG16 (mmdet's 'open-mmlab://vgg16_caffe' format) is read from a local path
# only, never downloaded: set it in a derived config with
#   model = dict(backbone=dict(init_cfg=dict(type='Pretrained', checkpoint='/path/vgg16_caffe.pth')))
# or --cfg-options "model.backbone.init_cfg=dict(type='Pretrained',checkpoint='/path/x.pth')".
_base_ = ['../det_runtime.py']   # mmdet scope, mmdet runtime, custom_imports mmruas

vgg16_checkpoint = None   # local path of the VGG16 weights; None: random initialisation
input_size = 300
model = dict(
    type='SingleStageDetector',
    data_preprocessor=dict(
        type='DetDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[1, 1, 1],
        bgr_to_rgb=True,
        pad_size_divisor=1),
    backbone=dict(
        type='SSDVGG',
        depth=16,
        with_last_pool=False,
        ceil_mode=True,
        out_indices=(3, 4),
        out_feature_indices=(22, 34),
        init_cfg=(dict(type='Pretrained', checkpoint=vgg16_checkpoint)
                  if vgg16_checkpoint else None)),
    neck=dict(
        type='SearchSSDNeck',
        in_channels=(512, 1024),
        out_channels=(512, 1024, 512, 256, 256, 256),
        level_strides=(2, 2, 1, 1),
        level_paddings=(1, 1, 0, 0),
        l2_norm_scale=20,
        genotype='DET_EXTRAS_DARKFACE'),
    bbox_head=dict(
        type='SearchSSDHead',
        in_channels=(512, 1024, 512, 256, 256, 256),
        num_classes=12,   # ExDark (docs/method.md#downstream-tasks); override for other data sets
        reg_genotype='DET_REG_DARKFACE',
        cls_genotype='DET_CLS_DARKFACE',
        anchor_generator=dict(
            type='SSDAnchorGenerator',
            scale_major=False,
            input_size=input_size,
            basesize_ratio_range=(0.15, 0.9),
            strides=[8, 16, 32, 64, 100, 300],
            ratios=[[2], [2, 3], [2, 3], [2, 3], [2], [2]]),
        bbox_coder=dict(
            type='DeltaXYWHBBoxCoder',
            target_means=[.0, .0, .0, .0],
            target_stds=[0.1, 0.1, 0.2, 0.2])),
    # model training and testing settings
    train_cfg=dict(
        assigner=dict(
            type='MaxIoUAssigner',
            pos_iou_thr=0.5,
            neg_iou_thr=0.5,
            min_pos_iou=0.,
            ignore_iof_thr=-1,
            gt_max_assign_all=False),
        sampler=dict(type='PseudoSampler'),
        smoothl1_beta=1.,
        allowed_border=-1,
        pos_weight=-1,
        neg_pos_ratio=3,
        debug=False),
    test_cfg=dict(
        nms_pre=1000,
        nms=dict(type='nms', iou_threshold=0.45),
        min_bbox_size=0,
        score_thr=0.02,
        max_per_img=200))
