# `make demo`, detection main job: RUAS scene module + SSD with the searched neck/head on the
# mini ExDark set (mmruas.det.datasets.make_mini_exdark: ExDark's exact layout, real
# photographs from scikit-image, darkened with the project's low-light model).
#
# Structure of configs/_base_/models/ruas_ssd300.py made cheap enough for a 2-core CPU:
# input 192 x 192 instead of 300; instead of VGG16 a narrow ResNet-18 (base width 32,
# first three stages, random init with BN — no pretrained weights are available offline)
# whose stride-8 and stride-16 maps feed SearchSSDNeck; four stride-2 extra levels give
# six source levels (24, 12, 6, 3, 2, 1 cells) as SSD300's six, so the published genotypes
# (one op per extra level, one per head level) apply unchanged. The genotypes default to
# the published ones; the search step replaces them with its derived ones.
#
# Hierarchical strategy (docs/method.md#training-strategies): the scene module (RUAS_S,
# DET_SCENE_DARKFACE cell) starts from stage 1's checkpoint (configs/demo/demo_det_stage1.py) and is
# fine-tuned with the detector (ℓt only, scene lr x 0.1).
#
# 400 iterations of batch 8 (20 epochs of the 160 training images) take about 6 minutes on
# two CPU threads and reach a test mAP (IoU 0.5) above 0.9 on the default mini set; random
# boxes score below 0.01. The variables below are read once, when this file is parsed:
# override the dataloaders' data_root, model.data_preprocessor.scene_checkpoint and, to
# change the length, train_cfg.max_iters together with param_scheduler.1.T_max and .end.
#   python tools/train.py configs/demo/demo_det_train.py --cfg-options \
#       train_dataloader.dataset.data_root=D val_dataloader.dataset.data_root=D \
#       test_dataloader.dataset.data_root=D model.data_preprocessor.scene_checkpoint=CKPT
#   python tools/test.py configs/demo/demo_det_train.py CKPT --show-dir detections ...
_base_ = ['../_base_/models/ruas_ssd300.py', '../_base_/datasets/exdark.py',
          '../_base_/models/ruas_s_scene.py']   # scene: RUAS_S, DET_SCENE_DARKFACE

data_root = 'work_dirs/demo/mini_exdark/'
input_size = 192
scene_checkpoint = None   # stage 1's checkpoint; None: the scene starts from scratch
neck_genotype = 'DET_EXTRAS_DARKFACE'
reg_genotype = 'DET_REG_DARKFACE'
cls_genotype = 'DET_CLS_DARKFACE'
channels = (64, 128, 128, 64, 64, 64)

model = dict(
    data_preprocessor=dict(
        _delete_=True,
        type='RUASDetDataPreprocessor',
        scene=_base_.scene,
        scene_checkpoint=scene_checkpoint,
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=1),
    backbone=dict(
        _delete_=True,
        type='ResNet',
        depth=18,
        base_channels=32,
        num_stages=3,
        strides=(1, 2, 2),
        dilations=(1, 1, 1),
        out_indices=(1, 2),
        frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False,
        init_cfg=None),
    neck=dict(
        in_channels=channels[:2],
        out_channels=channels,
        level_strides=(2, 2, 2, 2),
        level_paddings=(1, 1, 1, 1),
        l2_norm_scale=None,
        norm_cfg=dict(type='BN'),
        genotype=neck_genotype),
    bbox_head=dict(
        in_channels=channels,
        num_classes=12,
        reg_genotype=reg_genotype,
        cls_genotype=cls_genotype,
        anchor_generator=dict(
            _delete_=True,
            type='SSDAnchorGenerator',
            scale_major=False,
            # SSD300's anchor sizes (basesize_ratio_range (0.15, 0.9)) scaled by 192 / 300
            min_sizes=[13, 29, 63, 98, 132, 167],
            max_sizes=[29, 63, 98, 132, 167, 202],
            strides=[8, 16, 32, 64, 96, 192],
            ratios=[[2], [2, 3], [2, 3], [2, 3], [2], [2]])),
    test_cfg=dict(score_thr=0.02, max_per_img=100))

# SSD's Expand / MinIoURandomCrop / flip, filling with black (the images are dark); no
# photometric distortion, which would change the low-light statistics the scene models
train_pipeline = [
    dict(type='LoadImageFromFile', color_type='color_ignore_orientation'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Expand', mean=[0, 0, 0], to_rgb=True, ratio_range=(1, 2), prob=0.5),
    dict(type='MinIoURandomCrop', min_ious=(0.1, 0.3, 0.5, 0.7, 0.9), min_crop_size=0.3),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile', color_type='color_ignore_orientation'),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
train_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(data_root=data_root, pipeline=train_pipeline,
                 filter_cfg=dict(filter_empty_gt=True, min_size=32)))
val_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))

max_iters = 400
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(custom_keys={'data_preprocessor.scene': dict(lr_mult=0.1)}),
    clip_grad=dict(max_norm=10.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=100),
    dict(type='CosineAnnealingLR', T_max=max_iters, eta_min=1e-4, by_epoch=False, begin=0,
         end=max_iters),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# runtime: mmdet's (_base_/det_runtime.py), with detection pictures (mmdet's visualizer)
# of every test image written to <work_dir>/<timestamp>/detections by tools/test.py
default_hooks = dict(
    checkpoint=dict(type='SafeCheckpointHook', by_epoch=False, interval=max_iters,
                    max_keep_ckpts=1, save_last=True),
    visualization=dict(type='DetVisualizationHook', draw=False, interval=1,
                       score_thr=0.3, test_out_dir='detections'))
log_processor = dict(by_epoch=False)
