# ACDC as distributed (docs/method.md#data-set-layouts), night by default: data/acdc/{rgb_anon,gt}/
# night/{train,val}/<sequence>/. Split: RUAS-TPAMI §7.2 samples 400 of the 506 labelled night
# images at random for the search and training and keeps 106 for the test; ACDC night's
# official train (400) and val (106) splits have exactly these counts, so they are the default
# here (reproducible on every machine, our choice; ACDC's test split has no public labels). A
# seeded random 400 / 106 draw is written by
#   python tools/dataset_converters/make_split.py acdc data/acdc
# (ruas_night_train.txt / ruas_night_test.txt); ACDCDataset does not read such lists yet.
# Cityscapes' 19 train ids, 255 ignored. Another condition: train_dataloader.dataset.condition='fog' (or
# 'rain', 'snow', or a list). mmseg scope: ACDCDataset and SegTableIoUMetric register into
# mmseg's registries when mmruas is imported; `default_scope` and `custom_imports` come from
# the model base (_base_/seg_runtime.py), so both bases can be inherited together.
#
# Augmentation: mmseg's Cityscapes recipe (ACDC's 1920 x 1080 frames have Cityscapes' scale):
# random resize 0.5-2x, 512 x 1024 crops, flip, photometric distortion; evaluation at the
# full 1920 x 1080 (whole-image inference).
dataset_type = 'ACDCDataset'
data_root = 'data/acdc/'
condition = 'night'
crop_size = (512, 1024)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomResize', scale=(1920, 1080), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(1920, 1080), keep_ratio=True),
    # after Resize: the ground truth stays at its original size
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, condition=condition, split='train',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, condition=condition, split='val',
                 pipeline=test_pipeline))
test_dataloader = val_dataloader

# mIoU (mmseg's IoUMetric) with per-class IoU logged in the layout of RUAS-TPAMI Table XI; the
# 19-class mean ('mIoU') and, as Table XI averages them, the mean over its 17 classes (no truck,
# no bus: 'mIoU17')
val_evaluator = dict(type='SegTableIoUMetric', subsets=dict(mIoU17='ruas_tpami_table_xi'))
test_evaluator = val_evaluator
