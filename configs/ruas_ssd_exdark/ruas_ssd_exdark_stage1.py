# Hierarchical strategy, stage 1 (RUAS-TPAMI §3.2): the RUAS scene module alone — RUAS_S (the
# IEM) with the published detection scene cell DET_SCENE_DARKFACE, as in
# configs/ruas_ssd_exdark.py — trained without labels on the images of ExDark's training
# split (the test images stay unseen) with ℓs =
# ‖tᴷ − y‖² + η·RTV(tᴷ), the scene loss of RUAS-TPAMI eq. 5 (§3.2's stage 1). The images are resized to the
# detector's 300 x 300 input, so that the scene learns at the scale stage 2 feeds it.
#   python tools/train.py configs/ruas_ssd_exdark/ruas_ssd_exdark_stage1.py
# writes work_dirs/ruas_ssd_exdark_stage1/iter_4000.pth, the default scene_checkpoint of
# configs/ruas_ssd_exdark.py (its scene.* keys are read; the layouts are those of
# mmruas.models.scene_preprocessor.load_scene_checkpoint).
_base_ = ['../_base_/models/ruas_a.py', '../_base_/default_runtime.py']

data_root = 'data/ExDark/'
max_iters = 4000   # batch 8: about 10 epochs of the 3,000 training images
model = dict(scene_loss=dict(type='SceneLoss', eta=0.1),
             scene=dict(_delete_=True, type='RUAS', variant='RUAS_S',
                        iem=dict(num_stages=3, gamma=0.5, width=3,
                                 genotype='DET_SCENE_DARKFACE')))
train_pipeline = [
    dict(type='LoadLowLightImage'),
    dict(type='Resize', scale=(300, 300), keep_ratio=False),
    dict(type='PairedRandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='PackEnhanceInputs'),
]
# ExDark's own reader picks the training split; the boxes are not used
train_dataloader = dict(
    batch_size=8, num_workers=2, persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='mmdet.ExDarkDataset', data_root=data_root, split='train',
                 filter_cfg=None, pipeline=train_pipeline))
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
