# Runtime of the mmseg-scope configs: mmseg 1.2's _base_/default_runtime.py and the hooks of
# its iteration-based schedules (scope, SegVisualizationHook, env, SegLocalVisualizer,
# logging), plus the mmruas import and a fixed seed. Written out rather than inherited with
# 'mmseg::' (whose lookup goes through pkg_resources and warns on every run), as
# _base_/det_runtime.py does for mmdet.
default_scope = 'mmseg'
custom_imports = dict(imports=['mmruas'], allow_failed_imports=False)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='SafeCheckpointHook', by_epoch=False, interval=2000),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
env_cfg = dict(
    cudnn_benchmark=True,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='SegLocalVisualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(by_epoch=False)
log_level = 'INFO'
load_from = None
resume = False
tta_model = dict(type='SegTTAModel')
randomness = dict(seed=0)
