# DARK FACE as distributed (docs/method.md#data-set-layouts): data/DarkFace/image/<n>.png and
# data/DarkFace/label/<n>.txt (face count, then x1 y1 x2 y2 a line); one class, 'face'.
# The RUAS paper's random 5,000 training / 1,000 test images (docs/method.md#downstream-tasks):
# write the two name lists once,
#   from mmruas.det.datasets import write_darkface_split
#   write_darkface_split('data/DarkFace', ['data/DarkFace/train.txt', 'data/DarkFace/test.txt'])
# mmdet scope: DarkFaceDataset registers into mmdet's registry when mmruas is imported
# (`default_scope` / `custom_imports` come from the model base, as for ExDark).
dataset_type = 'DarkFaceDataset'
data_root = 'data/DarkFace/'
backend_args = None
crop_size = (640, 640)      # training crops (the model base's input_size)
# DARK FACE images are 1080 x 720 with many tiny faces: test at 1.5 x the stored size
# (the longer side 1620) so that faces of a few pixels reach the stride-4 anchors (16 px)
test_scale = (1620, 1080)

# face-keeping random crops (RandomCrop refuses crops without a face: the sample is drawn
# again), scale jitter, photometric distortion and horizontal flips, from mmdet transforms
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PhotoMetricDistortion', brightness_delta=32, contrast_range=(0.5, 1.5),
         saturation_range=(0.5, 1.5), hue_delta=18),
    dict(type='RandomResize', scale=(1080, 720), ratio_range=(0.75, 1.5), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, crop_type='absolute',
         allow_negative_crop=False, bbox_clip_border=True),
    dict(type='FilterAnnotations', min_gt_bbox_wh=(1, 1), keep_empty=False),
    dict(type='RandomFlip', prob=0.5),
    dict(type='Pad', size=crop_size, pad_val=dict(img=(0, 0, 0))),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='Resize', scale=test_scale, keep_ratio=True),
    # after Resize, so that the ground-truth boxes stay in the original image frame
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]

train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, ann_file='train.txt',
                 filter_cfg=dict(filter_empty_gt=True, min_size=32),
                 pipeline=train_pipeline, backend_args=backend_args))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, ann_file='test.txt', test_mode=True,
                 pipeline=test_pipeline, backend_args=backend_args))
test_dataloader = val_dataloader

# AP at IoU 0.5, VOC 'area' mode (mmdet's VOCMetric); PR curve: tools/analysis_tools/plot_pr.py
val_evaluator = dict(type='VOCMetric', iou_thrs=0.5, eval_mode='area', metric='mAP')
test_evaluator = val_evaluator

# Optional multi-scale + flip test with mmdet's DetTTAModel (mmdet's tools/test.py --tta):
# 1 x, 1.5 x and 2 x the stored size, merged by NMS
tta_model = dict(type='DetTTAModel',
                 tta_cfg=dict(nms=dict(type='nms', iou_threshold=0.3), max_per_img=750))
tta_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='TestTimeAug', transforms=[
        [dict(type='Resize', scale=s, keep_ratio=True)
         for s in [(1080, 720), (1620, 1080), (2160, 1440)]],
        [dict(type='RandomFlip', prob=1.), dict(type='RandomFlip', prob=0.)],
        [dict(type='LoadAnnotations', with_bbox=True)],
        [dict(type='PackDetInputs',
              meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor',
                         'flip', 'flip_direction'))]]),
]
