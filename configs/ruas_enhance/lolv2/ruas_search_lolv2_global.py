# RUAS-TPAMI Table IV "Global search" (14.496 / 0.543): one joint search of all α on the
# joint loss, as ../search/ruas_search_lol5_global.py, on LOL-v2 with the budget of
# ./ruas_search_lolv2.py (20 epochs of the ω half: 6,900 iterations, every one stepping all
# α and all weights). Then train and test its retrain_config.py as Table V's RUAS.
#   python tools/train.py configs/ruas_enhance/lolv2/ruas_search_lolv2_global.py
_base_ = ['./ruas_search_lolv2.py']

strategy = 'global'
custom_hooks = [
    dict(type='CooperativeSearchHook', strategy=strategy, beta=1.0, order=2, warmup_iters=0,
         val_split=True, retrain_base=_base_.retrain_base),
]
