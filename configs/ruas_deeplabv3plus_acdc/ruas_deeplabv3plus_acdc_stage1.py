# Hierarchical strategy, stage 1 (RUAS-TPAMI §3.2): the RUAS scene module alone — RUAS_S (the
# IEM) with the scene cell of configs/ruas_deeplabv3plus_acdc.py — trained without labels on
# the photographs of ACDC night's training split (the evaluation images stay unseen) with
# ℓs = ‖tᴷ − y‖² + η·RTV(tᴷ), the scene loss of RUAS-TPAMI eq. 5 (§3.2's stage 1).
# Random 512 x 512 crops of the full-resolution frames, the scale stage 2 feeds it.
#   python tools/train.py configs/ruas_deeplabv3plus_acdc/ruas_deeplabv3plus_acdc_stage1.py
# writes work_dirs/ruas_deeplabv3plus_acdc_stage1/iter_4000.pth, the default
# scene_checkpoint of configs/ruas_deeplabv3plus_acdc.py.
_base_ = ['../_base_/models/ruas_a.py', '../_base_/default_runtime.py']

data_root = 'data/acdc/'
max_iters = 4000   # batch 8: 80 epochs of the 400 training images
model = dict(scene_loss=dict(type='SceneLoss', eta=0.1),
             scene=dict(_delete_=True, type='RUAS', variant='RUAS_S',
                        iem=dict(num_stages=3, gamma=0.5, width=3,
                                 genotype='DET_SCENE_DARKFACE')))
train_pipeline = [
    dict(type='LoadLowLightImage'),
    dict(type='PairedRandomCrop', crop_size=512),
    dict(type='PairedRandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackEnhanceInputs'),
]
# ACDC's own reader lists the training split; the labels are not read
train_dataloader = dict(
    batch_size=8, num_workers=2, persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='mmseg.ACDCDataset', data_root=data_root, condition='night',
                 split='train', check_labels=False, pipeline=train_pipeline))
val_dataloader = val_cfg = val_evaluator = None
test_dataloader = test_cfg = test_evaluator = None

# the papers' enhancement settings (RUAS-TPAMI's search settings): Adam, lr 3e-4, weight decay 1e-3
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=3e-4, betas=(0.9, 0.999), weight_decay=1e-3),
    clip_grad=dict(max_norm=5.0))
param_scheduler = [dict(type='CosineAnnealingLR', T_max=max_iters, eta_min=1e-5,
                        by_epoch=False)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters)
default_hooks = dict(logger=dict(interval=50),
                     checkpoint=dict(interval=1000, max_keep_ckpts=2, save_last=True))
