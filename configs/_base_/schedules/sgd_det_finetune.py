# Stage 2 of the hierarchical strategy for the detectors (RUAS-TPAMI §3.2; the papers give no
# detector schedule, so mmdet's SSD300 recipe for one GPU): SGD lr 1e-3, momentum 0.9, weight
# decay 5e-4, gradient norm clipped at 35; the scene, already trained in stage 1, fine-tuned
# at lr / 10; epoch-based, validation every 10 epochs; mmdet's NumClassCheckHook and
# CheckInvalidLossHook. A config sets its length and steps:
#   max_epochs = 120
#   param_scheduler = [dict(type='LinearLR', ...), dict(type='MultiStepLR', ...)]
#   train_cfg = dict(max_epochs=max_epochs)
#   auto_scale_lr = dict(base_batch_size=8)
# and its checkpoint hook (default_hooks comes with the model base's runtime; mmengine refuses
# a key that two sibling bases both define).
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=1e-3, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(custom_keys={'data_preprocessor.scene': dict(lr_mult=0.1)}),
    clip_grad=dict(max_norm=35, norm_type=2))
train_cfg = dict(type='EpochBasedTrainLoop', val_interval=10)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
auto_scale_lr = dict(enable=False)
custom_hooks = [
    dict(type='NumClassCheckHook'),
    dict(type='CheckInvalidLossHook', interval=50, priority='VERY_LOW'),
]
