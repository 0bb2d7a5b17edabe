# Hierarchical strategy, stage 1 (RUAS-TPAMI §3.2): the RUAS scene module alone — RUAS_S (the
# IEM) with the published detection scene cell DET_SCENE_DARKFACE, as in
# configs/ruas_dsfd_darkface.py — trained without labels on the DARK FACE training images
# (train.txt; the test images stay unseen) with ℓs = ‖tᴷ − y‖² + η·RTV(tᴷ)
# (RUAS-TPAMI eq. 5, §3.2's stage 1), on random
# 640 x 640 crops, the detector's training input size.
#   python tools/train.py configs/ruas_dsfd_darkface/ruas_dsfd_darkface_stage1.py
# writes work_dirs/ruas_dsfd_darkface_stage1/iter_6000.pth, the default scene_checkpoint of
# configs/ruas_dsfd_darkface.py.
_base_ = ['../_base_/models/ruas_a.py', '../_base_/default_runtime.py']

work_dir = './work_dirs/ruas_dsfd_darkface_stage1'
data_root = 'data/DarkFace/'
max_iters = 6000   # batch 8: about 10 epochs of the 5,000 training images
model = dict(scene_loss=dict(type='SceneLoss', eta=0.1),
             scene=dict(_delete_=True, type='RUAS', variant='RUAS_S',
                        iem=dict(num_stages=3, gamma=0.5, width=3,
                                 genotype='DET_SCENE_DARKFACE')))
train_pipeline = [
    dict(type='LoadLowLightImage'),
    dict(type='PairedRandomCrop', crop_size=640),
    dict(type='PairedRandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackEnhanceInputs'),
]
# DARK FACE's own reader picks the training images; the boxes are not used
train_dataloader = dict(
    batch_size=8, num_workers=2, persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='mmdet.DarkFaceDataset', data_root=data_root, ann_file='train.txt',
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
