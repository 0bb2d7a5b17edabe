# Hierarchical strategy, stage 1 (RUAS-TPAMI §3.2): the RUAS scene module alone — RUAS_S (the
# IEM) with the published detection scene cell DET_SCENE_DARKFACE, as in
# configs/ruas_ssd_exdark.py — trained without labels on the images of ExDark's training
# list (ruas_train.txt, the paper's 5,200 images; the 1,200 test images stay unseen) with ℓs =
# ‖tᴷ − y‖² + η·RTV(tᴷ), the scene loss of RUAS-TPAMI eq. 5 (§3.2's stage 1). The images are resized to the
# detector's 300 x 300 input, so that the scene learns at the scale stage 2 feeds it.
#   python tools/train.py configs/ruas_ssd_exdark/ruas_ssd_exdark_stage1.py
# writes work_dirs/ruas_ssd_exdark_stage1/iter_4000.pth, the default scene_checkpoint of
# configs/ruas_ssd_exdark.py (its scene.* keys are read; the layouts are those of
# mmruas.models.scene_preprocessor.load_scene_checkpoint).
_base_ = ['../_base_/ruas_s_stage1.py']   # the scene alone, Adam, no validation

data_root = 'data/ExDark/'
max_iters = 4000   # batch 8: about 6 epochs of the 5,200 training images (our choice)
train_pipeline = [
    dict(type='LoadLowLightImage'),
    dict(type='Resize', scale=(300, 300), keep_ratio=False),
    dict(type='PairedRandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='PackEnhanceInputs'),
]
# ExDark's own reader reads the training list (configs/_base_/datasets/exdark_ruas_split.py);
# the boxes are not used
train_dataloader = dict(dataset=dict(type='mmdet.ExDarkDataset', data_root=data_root,
                                      ann_file='ruas_train.txt', filter_cfg=None,
                                      pipeline=train_pipeline))

param_scheduler = [dict(type='CosineAnnealingLR', T_max=max_iters, eta_min=1e-5,
                        by_epoch=False)]
train_cfg = dict(max_iters=max_iters)
