# The search of RUAS-TPAMI Table V's MIT rows: the cooperative search of
# ../lolv2/ruas_search_lolv2.py on the 500 MIT-Adobe 5K search/training inputs (train.txt of
# make_split.py mit5k). 20 epochs of the ω half at batch 1 (§6.1): ⌈500/2⌉ = 250 images,
# 20 x 250 = 5,000 iterations. Its retrain_config.py trains ./ruas_mit5k.py's recipe.
#   python tools/train.py configs/ruas_enhance/mit5k/ruas_search_mit5k.py
_base_ = ['../lolv2/ruas_search_lolv2.py']

data_root = 'data/MIT-Adobe-5K'
train_dataloader = dict(
    dataset=dict(_delete_=True, type='MIT5KDataset', data_root=data_root,
                 ann_file='train.txt', pipeline=_base_.train_pipeline))

num_search = 500                                 # RUAS-TPAMI §6.1
iters_per_epoch = num_search - num_search // 2   # the ω half, batch 1
max_iters = _base_.epochs * iters_per_epoch      # 5,000
_cosine = [dict(type='CosineAnnealingLR', eta_min=0.001, by_epoch=False, begin=0,
                end=max_iters, T_max=max_iters)]
param_scheduler = dict(scene_w=_cosine, task_w=_cosine, scene_alpha=[], task_alpha=[])
train_cfg = dict(max_iters=max_iters, val_interval=max_iters + 1)

retrain_base = '{{fileDirname}}/ruas_mit5k.py'
custom_hooks = [
    dict(type='CooperativeSearchHook', strategy='cooperative', cadence=dict(scene=1, task=10),
         beta=1.0, order=2, warmup_iters=0, val_split=True, retrain_base=retrain_base),
]
