# Optimisers of the cooperative search of a scene module with a detector or segmentor
# (docs/method.md#search-settings, RUAS-TPAMI Alg. 1): the papers' detection and segmentation
# settings (RUAS-TPAMI §7.1, §7.2), lr 3e-4 and weight decay 5e-4, Adam-like; the α optimisers use DARTS' Adam betas (0.5,
# 0.999). One optimiser per search group (SearchOptimWrapperConstructor); no lr schedule.
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
# The search model around the task of the config's model base (model=dict(_base_.search_model,
# _delete_=True, task=...)): L_s = ℓs of eq. 5 (SceneLoss) on the scene output.
search_model = dict(
    type='SceneTaskSearchModel',
    scene_loss=dict(type='SceneLoss', eta=0.1),
    tie_alphas=True,        # one α per edge for all IEM cells
    freeze_backbone=True)   # the backbone is fixed in the search (RUAS-TPAMI §7.1)
# tools/dist_train.sh: the search step (gradients averaged over ranks), not DDP's plain step
model_wrapper_cfg = dict(type='SearchDistributedDataParallel')

# The search's schedule (RUAS-TPAMI Alg. 1): alternating scene and task phases, second-order
# hypergradients, β = 1, no α warm-up, ω and α on disjoint halves of the training set. A
# config completes the hook with its phase length and the config its retrain_config.py
# inherits (a path relative to the config's own folder):
#   custom_hooks = [dict(_base_.custom_hooks[0], phase_iters=(n, n),
#                        retrain_base='{{fileDirname}}/ruas_ssd_exdark.py')]
strategy = 'cooperative'
# 30 epochs at batch 1, lr 3e-4, weight decay 5e-4: RUAS-TPAMI §7.1 (detection) and §7.2
# (segmentation). An epoch (our reading) is one pass over the search set's training half (the ω
# half; the other half feeds α): a config sets phase_iters = (n, n) with n = ⌈set / 2⌉ / batch,
# so the scene and task phases alternate one epoch each and max_iters = epochs × n.
epochs = 30
custom_hooks = [
    dict(type='CooperativeSearchHook', strategy=strategy, alpha_tol=None, beta=1.0, order=2,
         warmup_iters=0, val_split=True),
]
