# Runtime of the mmdet-scope configs: mmdet 3.3's _base_/default_runtime.py (scope, hooks
# incl. DetVisualizationHook, env, DetLocalVisualizer, logging), plus the mmruas import and a
# fixed seed. Written out rather than inherited with 'mmdet::', whose lookup goes through
# pkg_resources and prints deprecation warnings on every run; mmruas's own
# _base_/default_runtime.py sets the mmruas scope instead.
default_scope = 'mmdet'
custom_imports = dict(imports=['mmruas'], allow_failed_imports=False)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='SafeCheckpointHook', interval=1),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='DetVisualizationHook'))
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='DetLocalVisualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(type='LogProcessor', window_size=50, by_epoch=True)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0)
