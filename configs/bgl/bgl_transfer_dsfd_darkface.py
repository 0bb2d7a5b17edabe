# BGL transfer to face detection (BGL, ACM MM 2023: a block trained on enhancement and frozen
# lifts DARK FACE mAP to 0.690): the DSFD-style detector of configs/ruas_dsfd_darkface.py
# trained on DARK FACE with the generative block F of a BGL run frozen in its data
# preprocessor in place of the RUAS scene module. DARK FACE has no RAW: every image is first
# unprocessed to packed RAW (Unprocess, Brooks et al. 2019; after the geometric transforms
# and the padding), F maps it back to RGB, and mmdet's preprocessing follows.
#   python tools/train.py configs/bgl/bgl_sid_tbgl.py          # the block (SID)
#   python tools/train.py configs/bgl/bgl_transfer_dsfd_darkface.py --cfg-options \
#       model.backbone.init_cfg.checkpoint=/path/vgg16_caffe-292e1171.pth \
#       model.data_preprocessor.scene_checkpoint=work_dirs/bgl_sid_tbgl/iter_20000.pth
# Unprocessing draws a random camera per image (colour matrix, gains); noise is off (the
# photographs carry their own) and the exposure ratio is 1 (the papers do not say how DARK
# FACE was unprocessed: both are this project's choice). Evaluation uses a fixed seed.
_base_ = ['../ruas_dsfd_darkface.py']

bgl_checkpoint = 'work_dirs/bgl_sid_tbgl/iter_20000.pth'
exposure_ratio = 1.0
model = dict(
    data_preprocessor=dict(scene=dict(_delete_=True, type='GenerativeBlock'),
                           freeze_scene=True, scene_checkpoint=bgl_checkpoint))
optim_wrapper = dict(paramwise_cfg=dict(_delete_=True))   # the block is frozen

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PhotoMetricDistortion', brightness_delta=32, contrast_range=(0.5, 1.5),
         saturation_range=(0.5, 1.5), hue_delta=18),
    dict(type='RandomResize', scale=(1080, 720), ratio_range=(0.75, 1.5), keep_ratio=True),
    dict(type='RandomCrop', crop_size=(640, 640), crop_type='absolute',
         allow_negative_crop=False, bbox_clip_border=True),
    dict(type='FilterAnnotations', min_gt_bbox_wh=(1, 1), keep_empty=False),
    dict(type='RandomFlip', prob=0.5),
    dict(type='Pad', size=(640, 640), pad_val=dict(img=(0, 0, 0))),
    dict(type='mmruas.Unprocess', add_noise=False, ratio=exposure_ratio),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(1620, 1080), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='mmruas.Unprocess', add_noise=False, ratio=exposure_ratio, seed=0),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
