# The 'independent' baseline of RUAS-TPAMI Table IV (§4.2: "when searching the TM, the
# searching procedure of the SM has ended"): as ruas_search_lol5.py, but the IEM (scene)
# search runs alone to completion — α_IEM on the IEM loss of the validation half only (no
# NRM term), IEM weights on the training half, the NRM untouched — then the IEM is fixed to
# its derived genotype (arg-max op per edge) and frozen, and the NRM (task) search runs on
# its output.
# Equal budget with the cooperative search: the same number of α and weight steps of each
# side, with the same learning-rate sequence per step. The cooperative search takes 30 IEM
# steps (every iteration) and 3 NRM steps (every 10th: 0, 10, 20) in 30 iterations; a
# sequential search cannot put both in one iteration, so here they are 30 scene iterations
# followed by 3 task iterations (33 iterations), the IEM weights' cosine spanning the
# first 30 and the NRM weights' cosine the last 3. (In the cooperative search the NRM
# weights follow the iteration cosine at their steps 0, 10, 20.)
#   python tools/train.py configs/ruas_enhance/search/ruas_search_lol5_independent.py
_base_ = ['./ruas_search_lol5.py']

strategy = 'independent'
scene_iters = 30            # = the cooperative search's iterations (IEM steps)
task_iters = 3              # = its NRM steps (every 10th of 30)
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
