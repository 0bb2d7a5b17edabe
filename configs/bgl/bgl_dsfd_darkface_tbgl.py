# BGL on DARK FACE with the DSFD-style detector as the lower task G (BGL, ACM MM 2023,
# Table 3: the generative block learned with a detector as G), truncated solver TBGL (Alg. 1:
# one lower step of the detector, then the one-step finite-difference hypergradient,
# δ = 0.01, and the step of F). Model: configs/_base_/models/bgl_dsfd.py (F in the detector's
# data preprocessor; L_G and L_F the detection loss on the lower / upper batch).
#   python tools/train.py configs/bgl/bgl_dsfd_darkface_tbgl.py --cfg-options \
#       model.task.backbone.init_cfg.checkpoint=/path/vgg16_caffe-292e1171.pth
# Paper settings (BGL §4.1, "Parameter settings"): SGD lr 3e-3 (upper, F) and 5e-4 (lower,
# detector), momentum 0.9, weight decay 5e-4, crops 640, batch 8 (IBGL: k = 30).
# DARK FACE has no RAW: BGL §4.1 obtains it "by means of an unprocess [2] approach", [2] =
# Chen et al. 2023 ("Instance Segmentation in the Dark"): their low-light RAW synthesis
# (mmruas.LowLightRaw: Brooks-style unprocessing with a calibrated camera matrix, exposure
# ratio r ~ U(10, 100), ELD's physics-based noise, amplified back by r; the values of their
# released code, see mmruas/datasets/transforms/low_light_raw.py), after the geometric
# transforms. Fresh draws in training, fixed per image (seed 0) in val/test (our choice).
# This project's choices (the paper does not state them): F starts from random weights (a
# SID-trained block: load_from=work_dirs/bgl_sid_ibgl/iter_20000.pth, whose generator.* keys
# match); 2,000 warm-start iterations train F and the detector jointly on the detection
# loss, then 18,000 bilevel iterations; a linear lr warm-up over the first 500 iterations;
# upper batches from the disjoint second half of the training list.
# Weights are read from local files only, never downloaded.
_base_ = ['../_base_/models/bgl_dsfd.py', '../_base_/datasets/darkface.py']

vgg16_checkpoint = 'data/pretrained/vgg16_caffe-292e1171.pth'
model = dict(
    task=dict(backbone=dict(init_cfg=dict(_delete_=True, type='Pretrained',
                                          checkpoint=vgg16_checkpoint))),
    solver=dict(_delete_=True, type='TBGL', delta=0.01))

# the data set base's pipelines, each image turned into a synthetic low-light packed RAW
# (Chen et al. 2023) just before packing
low_light_raw = dict(type='mmruas.LowLightRaw', noise='PGRU', ratio_range=(10.0, 100.0),
                     ccm='calibrated', amplify=True)
train_pipeline = [*_base_.train_pipeline[:-1], low_light_raw, _base_.train_pipeline[-1]]
test_pipeline = [*_base_.test_pipeline[:-1], dict(low_light_raw, seed=0),
                 _base_.test_pipeline[-1]]
train_dataloader = dict(batch_size=8, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

warmup_iters = 2000
max_iters = 20000
upper_lr, lower_lr = 3e-3, 5e-4
optim_wrapper = dict(
    constructor='BGLOptimWrapperConstructor',
    upper=dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=upper_lr, momentum=0.9,
                                                   weight_decay=5e-4)),
    lower=dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=lower_lr, momentum=0.9,
                                                   weight_decay=5e-4)))
param_scheduler = dict(
    upper=[dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500)],
    lower=[dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500)])

train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=2000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# tools/dist_train.sh: the model's own BGL step (gradients averaged over ranks)
model_wrapper_cfg = dict(type='SearchDistributedDataParallel')
custom_hooks = [dict(type='BGLHook', warmup_iters=warmup_iters, val_split=True)]
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(type='SafeCheckpointHook', by_epoch=False, interval=2000, max_keep_ckpts=2,
                    save_last=True, save_best='pascal_voc/mAP', rule='greater'),
    visualization=dict(type='DetVisualizationHook', draw=False))
log_processor = dict(by_epoch=False)
