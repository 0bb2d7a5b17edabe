# LOL (Wei et al. 2018) as distributed: our485/{low,high} for training, eval15/{low,high}
# for testing. Training is unsupervised: only the low images are used by the losses.
dataset_type = 'LOLDataset'
data_root = 'data/LOL'

train_pipeline = [
    dict(type='LoadLowLightImage'),
    dict(type='PairedRandomCrop', crop_size=(256, 256)),
    dict(type='PairedRandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='PackEnhanceInputs'),
]
test_pipeline = [
    dict(type='LoadLowLightImage'),
    dict(type='LoadGtImage'),
    dict(type='PackEnhanceInputs'),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='test',
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = [dict(type='PSNR'), dict(type='SSIM')]
test_evaluator = val_evaluator
