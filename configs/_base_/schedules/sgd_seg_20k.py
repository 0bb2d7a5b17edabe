# Stage 2 of the hierarchical strategy for the segmentor (RUAS-TPAMI §3.2; the papers give
# none): mmseg's DeepLab-v3+ Cityscapes recipe, 4 GPUs x 2 images, SGD lr 0.01 with poly
# decay, for 20k iterations (400 epochs of ACDC night's 400 training images). The scene,
# already trained in stage 1, is fine-tuned at lr / 10. The checkpoint hook is the config's
# (default_hooks comes with the model base's runtime).
max_iters = 20000
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(custom_keys={'data_preprocessor.scene': dict(lr_mult=0.1)}),
    clip_grad=None)
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=max_iters, by_epoch=False),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=2000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
auto_scale_lr = dict(enable=False, base_batch_size=8)
