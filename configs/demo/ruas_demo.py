# `make demo-enhance`: RUAS_S (the IEM, released genotype) trained from scratch without ground
# truth on a small low-light set that tools/demo_enhance.py synthesises from photographs shipped
# with scikit-image (mmruas.datasets.transforms.low_light). data_root is set by the tool.
# RUAS_S keeps the demo to a few CPU minutes; the IEM trains on the papers' ℓs
# (RUAS-TPAMI eq. 5, η 0.1) of configs/_base_/models/ruas_a.py.
_base_ = ['../_base_/models/ruas_a.py', '../_base_/default_runtime.py']

model = dict(scene=dict(variant='RUAS_S'))
data_root = 'work_dirs/demo_enhance/data'
train_pipeline = [
    dict(type='LoadLowLightImage'),
    dict(type='PairedRandomCrop', crop_size=(128, 128)),
    dict(type='PairedRandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='PackEnhanceInputs'),
]
test_pipeline = [
    dict(type='LoadLowLightImage'),
    dict(type='LoadGtImage'),
    dict(type='PackEnhanceInputs'),
]
train_dataloader = dict(
    batch_size=4, num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='UnpairedFolderDataset', data_root=data_root + '/train/low',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='LOLDataset', data_root=data_root + '/test', split=None,
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = [dict(type='PSNR'), dict(type='SSIM')]
test_evaluator = val_evaluator

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=3e-4, betas=(0.9, 0.999), weight_decay=1e-3),
    clip_grad=dict(max_norm=5.0))
train_cfg = dict(type='IterBasedTrainLoop', max_iters=1200, val_interval=1200)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(logger=dict(interval=100),
                     checkpoint=dict(interval=1200, max_keep_ckpts=1))
