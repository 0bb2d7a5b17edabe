# DSFD-style face detector (Li et al., CVPR 2019; RUAS-TPAMI §7, docs/method.md#downstream-tasks)
# from mmdet parts: SingleStageDetector with
# - DSFDVGG: VGG-16 with S3FD's stride-2 pool5, sources conv3_3 / conv4_3 / conv5_3 / fc7
#   (strides 4, 8, 16, 32);
# - SearchFEMNeck: L2Norm (10, 8, 5) on conv3_3 / conv4_3 / conv5_3, two extra stages
#   (strides 64, 128) and the Feature Enhance Module (top-down products of conv3_3..conv5_3
#   with the next-coarser level, then dilated branches); returns the six original maps and
#   the six enhanced ones. Its FEM branch convs (and the extras) are task edges
#   (docs/method.md#task-edges): fixed to DSFD's ops here, searchable with neck.fem_genotype=None /
#   extra_genotype=None;
# - DSFDHead: dual shot with Progressive Anchor Loss; second-shot anchors 16…512 (one per
#   location, 1.5 height : width), first-shot anchors half that size; inference on the
#   second shot only. One class, 'face'.
# No scene module here (mmdet's DetDataPreprocessor): configs/ruas_dsfd_darkface.py adds it.
#
# Pretrained VGG-16 (mmdet's 'open-mmlab://vgg16_caffe' layout, the same file as SSD's) is
# read from a local path only, never downloaded; derived configs set
#   model = dict(backbone=dict(init_cfg=dict(type='Pretrained', checkpoint='/path/x.pth')))
_base_ = ['../det_runtime.py']   # mmdet scope, mmdet runtime, custom_imports mmruas

vgg16_checkpoint = None   # local path of the VGG-16 weights; None: random initialisation
input_size = 640          # training crops; tools/analysis_tools/benchmark_detection.py size
strides = [4, 8, 16, 32, 64, 128]
model = dict(
    type='SingleStageDetector',
    data_preprocessor=dict(
        type='DetDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[1, 1, 1],
        bgr_to_rgb=True,
        pad_size_divisor=1),
    backbone=dict(
        type='DSFDVGG',
        ceil_mode=True,
        init_cfg=(dict(type='Pretrained', checkpoint=vgg16_checkpoint)
                  if vgg16_checkpoint else None)),
    neck=dict(
        type='SearchFEMNeck',
        in_channels=(256, 512, 512, 1024),
        extra_channels=(512, 256),
        l2_norm_scales=(10, 8, 5),
        extra_genotype=['conv_1x1', 'conv_3x3', 'conv_1x1', 'conv_3x3'],
        with_fem=True,
        fem_genotype=['conv_3x3', 'dilconv_3x3', 'conv_3x3', 'dilconv_3x3', 'conv_3x3'],
        top_down_levels=3),   # conv3_3..conv5_3 times the up-sampled coarser level (DSFD)
    bbox_head=dict(
        type='DSFDHead',
        in_channels=(256, 512, 512, 1024, 512, 256),
        num_classes=1,
        reg_genotype=['conv_3x3'] * 6,
        cls_genotype=['conv_3x3'] * 6,
        first_shot_weight=1.0,
        anchor_generator=dict(
            type='AnchorGenerator',
            strides=strides,
            ratios=[1.5],
            scales=[1],
            base_sizes=[16, 32, 64, 128, 256, 512],
            # anchor centres in the middle of each stride cell, as SSD's (mmdet's
            # center_offset is relative to the base size, not the stride)
            centers=[(s / 2, s / 2) for s in strides]),
        bbox_coder=dict(
            type='DeltaXYWHBBoxCoder',
            target_means=[.0, .0, .0, .0],
            target_stds=[0.1, 0.1, 0.2, 0.2])),
    # S3FD / DSFD matching: IoU 0.35, every face keeps at least its best anchor
    train_cfg=dict(
        assigner=dict(
            type='MaxIoUAssigner',
            pos_iou_thr=0.35,
            neg_iou_thr=0.35,
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
        nms_pre=5000,
        nms=dict(type='nms', iou_threshold=0.3),
        min_bbox_size=0,
        score_thr=0.01,
        max_per_img=750))
