# `make demo`, detection, stage 1 of the hierarchical strategy (RUAS-TPAMI §3.2): the scene
# module alone (RUAS_S: the IEM with the published detection scene cell
# DET_SCENE_DARKFACE), trained without labels on the training images of the mini ExDark
# set (mmruas.datasets.make_mini_exdark) with ℓs = ‖tᴷ − y‖² + η·RTV(tᴷ)
# (RUAS-TPAMI eq. 5, §3.2's stage 1). Its checkpoint
# (scene.* keys) is the scene_checkpoint of configs/demo/demo_det_train.py.
#   python tools/train.py configs/demo/demo_det_stage1.py \
#       --cfg-options train_dataloader.dataset.data_root=work_dirs/demo/mini_exdark
_base_ = ['../_base_/models/ruas_a.py', '../_base_/default_runtime.py']

data_root = 'work_dirs/demo/mini_exdark'
model = dict(scene_loss=dict(type='SceneLoss', eta=0.1),
             scene=dict(_delete_=True, type='RUAS', variant='RUAS_S',
                        iem=dict(num_stages=3, gamma=0.5, width=3,
                                 genotype='DET_SCENE_DARKFACE')))
train_pipeline = [
    dict(type='LoadLowLightImage'),
    dict(type='PairedRandomCrop', crop_size=(128, 128)),
    dict(type='PairedRandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='PackEnhanceInputs'),
]
# ExDark's own reader picks the training split (labels unused): the test images stay unseen
train_dataloader = dict(
    batch_size=4, num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='mmdet.ExDarkDataset', data_root=data_root, split='train',
                 pipeline=train_pipeline))
val_dataloader = val_cfg = val_evaluator = None
test_dataloader = test_cfg = test_evaluator = None

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=3e-4, betas=(0.9, 0.999), weight_decay=1e-3),
    clip_grad=dict(max_norm=5.0))
train_cfg = dict(type='IterBasedTrainLoop', max_iters=200)
default_hooks = dict(logger=dict(interval=50),
                     checkpoint=dict(interval=200, max_keep_ckpts=1, save_last=True))
