# Unsupervised enhancement training: Adam, lr 3e-4, weight decay 1e-3 (the papers'
# enhancement settings, docs/method.md#search-settings; ./enhance_adam.py), iteration-based.
_base_ = ['./enhance_adam.py']

param_scheduler = [dict(type='CosineAnnealingLR', T_max=3000, eta_min=1e-5, by_epoch=False)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=3000, val_interval=1000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
