# The RUAS-CVPR authors' unsupervised training schedule (their train.py): batch 1, 800
# iterations; the IEM with SGD lr 0.015, momentum 0.9, weight decay 3e-4, gradient norm
# clipped at 5, every iteration, no schedule; the NRM with its own SGD lr 1e-3 (same
# momentum, decay and clip) every 50th iteration (0, 50, …, 750) on uᴷ of the current IEM.
max_iters = 800
_clip = dict(max_norm=5.0, norm_type=2)
optim_wrapper = dict(
    constructor='EnhancerOptimWrapperConstructor',
    iem=dict(type='OptimWrapper', clip_grad=_clip,
             optimizer=dict(type='SGD', lr=0.015, momentum=0.9, weight_decay=3e-4)),
    nrm=dict(type='OptimWrapper', clip_grad=_clip,
             optimizer=dict(type='SGD', lr=1e-3, momentum=0.9, weight_decay=3e-4)))
param_scheduler = None
# validation every 100 iterations only draws the PSNR-against-iteration curve
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=100)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
