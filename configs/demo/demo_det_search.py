# `make demo`, detection, step 1: a short cooperative search (RUAS-TPAMI §4.2,
# Alg. 1) of the demo detector of configs/demo/demo_det_train.py (same narrow ResNet-18,
# channels, strides, anchors, input 192) on the mini ExDark set
# (mmruas.det.datasets.make_mini_exdark):
# - scene (α_s, ω_s): RUAS_S in the data preprocessor, IEM genotype None (searchable, α tied
#   over the three stages); L_s = ℓs of eq. 5 (SceneLoss) on the scene output;
# - task (α_t, ω_t): SearchSSDNeck's extra-level convs and SearchSSDHead's reg/cls convs
#   (genotypes None, the high-level task set), ω_t = backbone + neck + head weights;
#   L_t = the SSD loss.
# Data: the mini set's training split only, halved by the hook (work_dir/search_split.json:
# ω on one half, α on the other); the test split is never seen.
# Outputs: genotypes.json, alpha_history.json and retrain_config.py, which inherits
# configs/demo/demo_det_train.py and sets the derived scene, neck and head genotypes.
#   python tools/train.py configs/demo/demo_det_search.py --cfg-options \
#       train_dataloader.dataset.data_root=work_dirs/demo/mini_exdark/
#
# Schedule (batch 4; ~200 s on two CPU cores): `warmup_iters` plain ω steps (DEMO-ONLY α
# warm-up: a randomly initialised detector gives α no signal worth following), then `rounds`
# cooperative rounds of `phase_iters` scene and task iterations with first-order
# hypergradients (DEMO-ONLY: measured here, a second-order scene / task step costs
# 4.2 / 2.0 s against 1.95 / 0.9 s, so the short budget buys twice the α updates; the
# papers' second order stays available with order=2).
#
# Optimisers (RUAS-TPAMI's detection search: lr 3e-4, weight decay 5e-4, Adam-like, α betas
# (0.5, 0.999)), with two departures, both DEMO-ONLY:
# - ω_t uses Adam at lr 1e-3. The papers' 30 epochs give ω ~78,000 steps; here ω_t gets 70
#   (warm-up + task phases) from a random initialisation, and the task loss is what drives
#   α_t (and, through β, α_s): while it is still at its initial value it measures
#   initialisation noise. Adam moves each weight by about lr per step, so 1e-3 (Adam's usual
#   from-scratch rate) goes ~3x further than 3e-4 in the same steps; measured on the default
#   mini set, the SSD loss falls from ~14 to ~7 during the search. The scene's ω_s (0.003 M
#   parameters, a smooth unsupervised loss) learns at the papers' 3e-4 as in stage 1.
# - α (scene and task) uses Adam at lr `alpha_lr` instead of the papers' 3e-4 — ONLY so that
#   a 30-step-per-side search decides. Why α did not move at the papers' rate (measured):
#   the task phase is reached (iterations 50-59, 70-79, 90-99), the α_t hypergradient is
#   non-zero (norm 0.26 and 0.15 over the 16 α_t at the first two task steps) and α_t are in
#   the task_alpha optimiser, which moves them; but Adam moves each α by at most ~lr per
#   step, so 30 steps at 3e-4 move α by <= 0.009 and the mean entropy of softmax(α) stays
#   within ~1e-5 of ln(#ops): 2.3026 = ln 10 printed for the neck and heads (1.9459 = ln 7
#   for the scene cell), the genotypes being arg-maxes of noise-sized α. At lr 0.1 the end
#   entropies were 0.87 / 0.92 / 0.93 / 0.87 x ln(#ops) (scene cell, neck, reg, cls
#   convs); at `alpha_lr` = 0.25 they were 0.82 / 0.72 / 0.82 / 0.79 x ln(#ops), every unit
#   clearly below 0.9 x ln(#ops) (the demo prints the table and writes it to results.md:
#   tools/demo.py search_entropies). Weight decay and betas stay the papers'. The real
#   search configs (configs/*/search/) keep lr 3e-4.
_base_ = ['./demo_det_train.py']

data_root = 'work_dirs/demo/mini_exdark/'
search_batch = 4
warmup_iters = 40
phase_iters = (10, 10)
rounds = 3
max_iters = warmup_iters + rounds * sum(phase_iters)
alpha_lr = 0.25   # DEMO-ONLY (the papers: 3e-4); see above
scene = dict(_base_.scene, iem=dict(_base_.scene.iem, genotype=None))   # searchable

model = dict(
    _delete_=True,
    type='SceneTaskSearchModel',
    task=dict(
        _base_.model,
        data_preprocessor=dict(
            _base_.model.data_preprocessor,
            scene_checkpoint=None,
            scene=scene),
        neck=dict(_base_.model.neck, genotype=None),
        bbox_head=dict(_base_.model.bbox_head, reg_genotype=None, cls_genotype=None)),
    scene_loss=dict(type='SceneLoss', eta=0.1),
    tie_alphas=True,
    freeze_backbone=False)

train_dataloader = dict(batch_size=search_batch, dataset=dict(data_root=data_root))
val_dataloader = val_cfg = val_evaluator = None
test_dataloader = test_cfg = test_evaluator = None

_adam_alpha = dict(type='Adam', lr=alpha_lr, betas=(0.5, 0.999), weight_decay=5e-4)
optim_wrapper = dict(
    _delete_=True,
    constructor='SearchOptimWrapperConstructor',
    scene_w=dict(type='OptimWrapper', clip_grad=dict(max_norm=5.0), optimizer=dict(
        type='Adam', lr=3e-4, betas=(0.9, 0.999), weight_decay=5e-4)),
    task_w=dict(type='OptimWrapper', clip_grad=dict(max_norm=10.0), optimizer=dict(
        type='Adam', lr=1e-3, betas=(0.9, 0.999), weight_decay=5e-4)),
    scene_alpha=dict(type='OptimWrapper', optimizer=_adam_alpha),
    task_alpha=dict(type='OptimWrapper', optimizer=_adam_alpha))
param_scheduler = None
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=max_iters + 1)

custom_hooks = [
    dict(type='CooperativeSearchHook', strategy='cooperative', phase_iters=phase_iters,
         alpha_tol=None, beta=1.0, order=1, warmup_iters=warmup_iters, val_split=True,
         retrain_base='{{fileDirname}}/demo_det_train.py'),
]
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=max_iters, max_keep_ckpts=1, save_last=True),
    visualization=dict(_delete_=True, type='DetVisualizationHook', draw=False))
