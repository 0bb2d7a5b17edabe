# The 'global' baseline of RUAS-TPAMI Table 4: as ruas_search_lol5.py, strategy='global'.
_base_ = ['./ruas_search_lol5.py']

strategy = 'global'
custom_hooks = [
    dict(type='CooperativeSearchHook', strategy=strategy, phase_iters=(50, 50),
         alpha_tol=None, beta=1.0, order=2, warmup_iters=0, val_split=True,
         retrain_base='configs/ruas_enhance/ruas_a_lol5_unsup.py'),
]
