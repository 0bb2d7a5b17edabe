# Cooperative architecture search (METHOD.md §4, RUAS-TPAMI Alg. 1) of the IEM (scene) and
# NRM (task) cells on the five LOL low images of the reference folder, unsupervised.
# The training set is split into disjoint halves (seeded; work_dir/search_split.json):
# ω on the first, α on the second. Papers' settings: batch 1, Adam lr 3e-4, wd 1e-3.
#   python tools/train.py configs/ruas_enhance/search/ruas_search_lol5.py
# Outputs in the work_dir: genotypes.json, retrain_config.py (trains RUAS_A with the
# derived genotypes: python tools/train.py work_dirs/ruas_search_lol5/retrain_config.py),
# alpha_history.json.
_base_ = ['../../_base_/default_runtime.py']

data_root = '../shared/reference/ruas-official/lol'
strategy = 'cooperative'

model = dict(
    type='RUASSearchEnhancer',
    scene=dict(
        type='RUAS',
        variant='RUAS',
        iem=dict(num_stages=3, gamma=0.5, width=3, genotype=None),
        nrm=dict(num_cells=3, width=6, genotype=None)),
    tie_alphas=True,    # one α per edge for all IEM cells and one for all NRM cells
    iem_loss=dict(type='IEMLoss', eta=0.01, target='stage'),
    nrm_loss=dict(type='NRMLoss', eta=0.05),
    data_preprocessor=dict(type='EnhanceDataPreprocessor'))

train_pipeline = [
    dict(type='LoadLowLightImage'),
    dict(type='PairedRandomCrop', crop_size=(128, 128)),
    dict(type='PairedRandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='PackEnhanceInputs'),
]
train_dataloader = dict(
    batch_size=1, num_workers=0, persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='UnpairedFolderDataset', data_root=data_root + '/low',
                 pipeline=train_pipeline))

# lr 3e-4, weight decay 1e-3 (METHOD.md §4); the α optimisers use DARTS' Adam betas
# (0.5, 0.999), which the papers quote as "(0.5, 0.999)"
_adam_w = dict(type='Adam', lr=3e-4, betas=(0.9, 0.999), weight_decay=1e-3)
_adam_alpha = dict(type='Adam', lr=3e-4, betas=(0.5, 0.999), weight_decay=1e-3)
optim_wrapper = dict(
    constructor='SearchOptimWrapperConstructor',
    scene_w=dict(type='OptimWrapper', optimizer=_adam_w),
    task_w=dict(type='OptimWrapper', optimizer=_adam_w),
    scene_alpha=dict(type='OptimWrapper', optimizer=_adam_alpha),
    task_alpha=dict(type='OptimWrapper', optimizer=_adam_alpha))
param_scheduler = None
# tools/dist_train.sh: the search step (with gradients averaged over ranks) instead of
# mmengine's plain DDP step
model_wrapper_cfg = dict(type='SearchDistributedDataParallel')

max_iters = 600
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters + 1)
val_cfg = None
val_dataloader = None
val_evaluator = None

custom_hooks = [
    dict(type='CooperativeSearchHook', strategy=strategy, phase_iters=(50, 50),
         alpha_tol=None, beta=1.0, order=2, warmup_iters=0, val_split=True,
         retrain_base='configs/ruas_enhance/ruas_a_lol5_unsup.py'),
]
default_hooks = dict(logger=dict(interval=50),
                     checkpoint=dict(interval=200, max_keep_ckpts=1, save_last=True))
