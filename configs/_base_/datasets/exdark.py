# ExDark as distributed (12 classes): data/ExDark/{ExDark,ExDark_Annno}/<Class>/... and
# data/ExDark/imageclasslist.txt. mmdet scope: ExDarkDataset and ExDarkVOCMetric register
# into mmdet's registries when mmruas is imported; `default_scope = 'mmdet'` and
# `custom_imports = dict(imports=['mmruas'])` come from the model base
# (_base_/models/ruas_ssd300.py) or the final config, so that both bases can be inherited
# together (mmengine refuses keys defined by two sibling bases).
#
# Splits: the official imageclasslist codes (train 3,000 / val 1,800 / test 2,563). For the
# RUAS paper's random 5,200 search/train + 1,200 test images, write the two name lists once
#   from mmruas.det.datasets import write_exdark_split
#   write_exdark_split('data/ExDark', ['data/ExDark/ruas_train.txt', 'data/ExDark/ruas_test.txt'])
# and set `ann_file='ruas_train.txt', split=None` (and 'ruas_test.txt' for val/test).
#
# Boxes are in the stored pixel frame, so images load without EXIF rotation.
dataset_type = 'ExDarkDataset'
data_root = 'data/ExDark/'
backend_args = None
img_scale = (300, 300)   # SSD300 (the model base's input_size)
img_mean = [123.675, 116.28, 103.53]  # SSD300's data_preprocessor mean (RGB)

# SSD300 augmentation as in mmdet's ssd300_coco.py
train_pipeline = [
    dict(type='LoadImageFromFile', color_type='color_ignore_orientation',
         backend_args=backend_args),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Expand', mean=img_mean, to_rgb=True, ratio_range=(1, 4)),
    dict(type='MinIoURandomCrop', min_ious=(0.1, 0.3, 0.5, 0.7, 0.9), min_crop_size=0.3),
    dict(type='Resize', scale=img_scale, keep_ratio=False),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion', brightness_delta=32, contrast_range=(0.5, 1.5),
         saturation_range=(0.5, 1.5), hue_delta=18),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile', color_type='color_ignore_orientation',
         backend_args=backend_args),
    dict(type='Resize', scale=img_scale, keep_ratio=False),
    # after Resize, so that the ground-truth boxes stay in the original image frame
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]

train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 filter_cfg=dict(filter_empty_gt=True, min_size=32),
                 pipeline=train_pipeline, backend_args=backend_args))
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='val', test_mode=True,
                 pipeline=test_pipeline, backend_args=backend_args))
test_dataloader = dict(val_dataloader, dataset=dict(val_dataloader['dataset'], split='test'))

# VOC mAP at IoU 0.5 ('area'), per-class APs logged in the layout of RUAS-TPAMI Table X
val_evaluator = dict(type='ExDarkVOCMetric', iou_thrs=0.5, eval_mode='area')
test_evaluator = val_evaluator
