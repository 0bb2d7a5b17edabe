# Optimisers of the cooperative search of a scene module with a detector or segmentor
# (METHOD.md §4, RUAS-TPAMI Alg. 1): the papers' detection and segmentation settings, lr 3e-4
# and weight decay 5e-4, Adam-like; the α optimisers use DARTS' Adam betas (0.5, 0.999).
# One optimiser per search group (SearchOptimWrapperConstructor); no lr schedule.
optim_wrapper = dict(
    constructor='SearchOptimWrapperConstructor',
    scene_w=dict(type='OptimWrapper', optimizer=dict(
        type='Adam', lr=3e-4, betas=(0.9, 0.999), weight_decay=5e-4)),
    task_w=dict(type='OptimWrapper', optimizer=dict(
        type='Adam', lr=3e-4, betas=(0.9, 0.999), weight_decay=5e-4)),
    scene_alpha=dict(type='OptimWrapper', optimizer=dict(
        type='Adam', lr=3e-4, betas=(0.5, 0.999), weight_decay=5e-4)),
    task_alpha=dict(type='OptimWrapper', optimizer=dict(
        type='Adam', lr=3e-4, betas=(0.5, 0.999), weight_decay=5e-4)))
param_scheduler = None
# tools/dist_train.sh: the search step (gradients averaged over ranks), not DDP's plain step
model_wrapper_cfg = dict(type='SearchDistributedDataParallel')
