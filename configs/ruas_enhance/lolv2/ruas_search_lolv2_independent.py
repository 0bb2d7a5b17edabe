# RUAS-TPAMI Table IV "Independent search" (15.841 / 0.584): the IEM search to its end,
# then the NRM search on the fixed IEM (§4.2), as ../search/ruas_search_lol5_independent.py.
# Budget (our choice, the paper gives only "20 epochs"): the step counts of the cooperative
# search ./ruas_search_lolv2.py, i.e. 6,900 IEM iterations (20 epochs of the ω half) then
# 690 NRM iterations (its NRM steps every 10th iteration), each part's weight cosine over
# its own iterations.
#   python tools/train.py configs/ruas_enhance/lolv2/ruas_search_lolv2_independent.py
_base_ = ['./ruas_search_lolv2.py']

strategy = 'independent'
scene_iters = _base_.max_iters          # 6,900
task_iters = scene_iters // 10          # 690
max_iters = scene_iters + task_iters
param_scheduler = dict(
    _delete_=True,
    scene_w=[dict(type='CosineAnnealingLR', eta_min=0.001, by_epoch=False, begin=0,
                  end=scene_iters, T_max=scene_iters)],
    task_w=[dict(type='CosineAnnealingLR', eta_min=0.001, by_epoch=False, begin=scene_iters,
                 end=max_iters, T_max=task_iters)],
    scene_alpha=[], task_alpha=[])
train_cfg = dict(max_iters=max_iters, val_interval=max_iters + 1)
custom_hooks = [
    dict(type='CooperativeSearchHook', strategy=strategy, scene_iters=scene_iters,
         beta=1.0, order=2, warmup_iters=0, val_split=True,
         retrain_base=_base_.retrain_base),
]
