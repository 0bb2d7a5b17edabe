# `make demo`, detection, stage 1 of the hierarchical strategy (RUAS-TPAMI §3.2): the scene
# module alone (RUAS_S: the IEM with the published detection scene cell
# DET_SCENE_DARKFACE), trained without labels on the training images of the mini ExDark
# set (mmruas.det.datasets.make_mini_exdark) with ℓs = ‖tᴷ − y‖² + η·RTV(tᴷ)
# (RUAS-TPAMI eq. 5, §3.2's stage 1). Its checkpoint
# (scene.* keys) is the scene_checkpoint of configs/demo/demo_det_train.py.
#   python tools/train.py configs/demo/demo_det_stage1.py \
#       --cfg-options train_dataloader.dataset.data_root=work_dirs/demo/mini_exdark
_base_ = ['../_base_/ruas_s_stage1.py']   # the scene alone, Adam, no validation

data_root = 'work_dirs/demo/mini_exdark'
train_pipeline = [
    dict(type='LoadLowLightImage'),
    dict(type='PairedRandomCrop', crop_size=(128, 128)),
    dict(type='PairedRandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='PackEnhanceInputs'),
]
# ExDark's own reader picks the training split (labels unused): the test images stay unseen
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(type='mmdet.ExDarkDataset', data_root=data_root, split='train',
                 pipeline=train_pipeline))

train_cfg = dict(max_iters=200)   # constant lr (no param_scheduler)
default_hooks = dict(checkpoint=dict(interval=200, max_keep_ckpts=1))
