# Hierarchical strategy, stage 1 (RUAS-TPAMI §3.2): the RUAS scene module alone — RUAS_S (the
# IEM) with the published detection scene cell DET_SCENE_DARKFACE, as in
# configs/ruas_dsfd_darkface.py — trained without labels on the DARK FACE training images
# (train.txt; the test images stay unseen) with ℓs = ‖tᴷ − y‖² + η·RTV(tᴷ)
# (RUAS-TPAMI eq. 5, §3.2's stage 1), on random
# 640 x 640 crops, the detector's training input size.
#   python tools/train.py configs/ruas_dsfd_darkface/ruas_dsfd_darkface_stage1.py
# writes work_dirs/ruas_dsfd_darkface_stage1/iter_6000.pth, the default scene_checkpoint of
# configs/ruas_dsfd_darkface.py.
_base_ = ['../_base_/ruas_s_stage1.py']   # the scene alone, Adam, no validation

work_dir = './work_dirs/ruas_dsfd_darkface_stage1'
data_root = 'data/DarkFace/'
max_iters = 6000   # batch 8: about 10 epochs of the 5,000 training images
train_pipeline = [
    dict(type='LoadLowLightImage'),
    dict(type='PairedRandomCrop', crop_size=640),
    dict(type='PairedRandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackEnhanceInputs'),
]
# DARK FACE's own reader picks the training images; the boxes are not used
train_dataloader = dict(dataset=dict(type='mmdet.DarkFaceDataset', data_root=data_root,
                                      ann_file='train.txt', filter_cfg=None,
                                      pipeline=train_pipeline))

param_scheduler = [dict(type='CosineAnnealingLR', T_max=max_iters, eta_min=1e-5,
                        by_epoch=False)]
train_cfg = dict(max_iters=max_iters)
