# A tiny CPU-only mmengine config for the tool tests (tests/data/tiny_model.py).
custom_imports = dict(imports=['tests.data.tiny_model'], allow_failed_imports=False)

model = dict(type='TinyRegressor')
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    dataset=dict(type='TinyRegressionDataset', num=32, seed=0),
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'))
test_dataloader = dict(
    batch_size=8,
    num_workers=0,
    dataset=dict(type='TinyRegressionDataset', num=16, seed=1),
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'))
test_evaluator = dict(type='TinyMSEMetric')
test_cfg = dict(type='TestLoop')

train_cfg = dict(by_epoch=False, max_iters=4)
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))
param_scheduler = [dict(type='MultiStepLR', by_epoch=False, milestones=[3], gamma=0.5)]

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=1),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=2))
custom_hooks = [dict(type='IterRecorderHook')]
log_processor = dict(by_epoch=False, window_size=1)
env_cfg = dict(dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0, deterministic=True)
