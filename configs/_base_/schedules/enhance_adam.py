# The papers' enhancement optimiser (docs/method.md#search-settings; RUAS-TPAMI's search settings):
# Adam, lr 3e-4, weight decay 1e-3, gradient norm clipped at 5. No schedule and no loop:
# ./unsupervised_3k.py adds them for the enhancement configs, ../ruas_s_stage1.py for the stage-1
# configs.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=3e-4, betas=(0.9, 0.999), weight_decay=1e-3),
    clip_grad=dict(max_norm=5.0))
