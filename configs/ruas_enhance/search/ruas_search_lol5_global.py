# The 'global' baseline of RUAS-TPAMI Table IV: as ruas_search_lol5.py, but one joint
# search: every iteration all α (IEM and NRM) take one second-order step on the joint
# validation loss IEM loss + NRM loss, then all weights one step on the joint training loss.
# Equal budget with the cooperative search: the same 30 iterations, optimisers and
# schedules, so the IEM α and weights take the same 30 steps; the NRM α and weights step
# with them every iteration (30 steps, the cooperative search 3), because a joint search
# cannot step one side without the other.
#   python tools/train.py configs/ruas_enhance/search/ruas_search_lol5_global.py
_base_ = ['./ruas_search_lol5.py']

strategy = 'global'
custom_hooks = [
    dict(type='CooperativeSearchHook', strategy=strategy, beta=1.0, order=2, warmup_iters=0,
         val_split=True, retrain_base=_base_.retrain_base),
]
