# RUAS-TPAMI Table IV "Cooperative search" (PSNR/SSIM 18.226 / 0.717) and the search of
# Table V's LOL rows: the cooperative search (§4.2, Alg. 1) of the IEM and NRM cells on the
# 689 LOL-v2 Real_captured training images, unsupervised. Everything but the data and the
# length is ../search/ruas_search_lol5.py (its optimisers: α Adam lr 3e-4, weight decay
# 1e-3, §6.1; its losses, cadence and departures).
# Epochs (§6.1: 20, batch 1): the hook splits the 689 images into the ω half
# (⌈689/2⌉ = 345) and the α half (344); an epoch is one pass of batch-1 iterations over the
# ω half, every iteration also drawing one α-half batch: 20 x 345 = 6,900 iterations.
#   python tools/train.py configs/ruas_enhance/lolv2/ruas_search_lolv2.py
# then train the searched RUAS: python tools/train.py work_dirs/ruas_search_lolv2/retrain_config.py
_base_ = ['../search/ruas_search_lol5.py']

data_root = 'data/LOL-v2/Real_captured'
train_pipeline = [
    dict(type='LoadLowLightImage'),
    dict(type='PairedRandomCrop', crop_size=320, offset_margin=1),
    dict(type='PackEnhanceInputs'),
]
train_dataloader = dict(
    batch_size=1, num_workers=2, persistent_workers=True,
    dataset=dict(_delete_=True, type='LOLv2Dataset', data_root=data_root, split='train',
                 pipeline=train_pipeline))

epochs = 20
num_search = 689                              # LOL-v2 Train (RUAS-TPAMI §6.1)
iters_per_epoch = num_search - num_search // 2   # the ω half, batch 1
max_iters = epochs * iters_per_epoch             # 6,900
_cosine = [dict(type='CosineAnnealingLR', eta_min=0.001, by_epoch=False, begin=0,
                end=max_iters, T_max=max_iters)]
param_scheduler = dict(scene_w=_cosine, task_w=_cosine, scene_alpha=[], task_alpha=[])
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters + 1)

retrain_base = '{{fileDirname}}/ruas_lolv2.py'
custom_hooks = [
    dict(type='CooperativeSearchHook', strategy='cooperative', cadence=dict(scene=1, task=10),
         beta=1.0, order=2, warmup_iters=0, val_split=True, retrain_base=retrain_base),
]
default_hooks = dict(logger=dict(interval=100),
                     checkpoint=dict(interval=1000, max_keep_ckpts=1, save_last=True))
