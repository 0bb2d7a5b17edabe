# Hierarchical strategy, stage 1 (RUAS-TPAMI §3.2): the RUAS scene module alone — RUAS_S (the
# IEM) with the scene cell of configs/ruas_deeplabv3plus_acdc.py — trained without labels on
# the photographs of ACDC night's training split (the evaluation images stay unseen) with
# ℓs = ‖tᴷ − y‖² + η·RTV(tᴷ), the scene loss of RUAS-TPAMI eq. 5 (§3.2's stage 1).
# Random 512 x 512 crops of the full-resolution frames, the scale stage 2 feeds it.
#   python tools/train.py configs/ruas_deeplabv3plus_acdc/ruas_deeplabv3plus_acdc_stage1.py
# writes work_dirs/ruas_deeplabv3plus_acdc_stage1/iter_4000.pth, the default
# scene_checkpoint of configs/ruas_deeplabv3plus_acdc.py.
_base_ = ['../_base_/ruas_s_stage1.py']   # the scene alone, Adam, no validation

data_root = 'data/acdc/'
max_iters = 4000   # batch 8: 80 epochs of the 400 training images
train_pipeline = [
    dict(type='LoadLowLightImage'),
    dict(type='PairedRandomCrop', crop_size=512),
    dict(type='PairedRandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackEnhanceInputs'),
]
# ACDC's own reader lists the training split; the labels are not read
train_dataloader = dict(dataset=dict(type='mmseg.ACDCDataset', data_root=data_root,
                                      condition='night', split='train', check_labels=False,
                                      pipeline=train_pipeline))

param_scheduler = [dict(type='CosineAnnealingLR', T_max=max_iters, eta_min=1e-5,
                        by_epoch=False)]
train_cfg = dict(max_iters=max_iters)
