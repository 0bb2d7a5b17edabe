# BGL on SID (Sony) with the implicit solver IBGL (BGL, ACM MM 2023, Alg. 1): k = 80 lower
# steps per outer iteration (BGL §4.1, "Parameter settings"), each on a fresh training batch
# (the loop's stream: one outer iteration consumes 80 batches), then
# G_F = ∇ω L_F − [(∇θ L_F·∇θ L_G)/(∇θ L_G·∇θ L_G)]·∇ω L_G.
# This run's block is the one the transfer configs load (BGL Table 3, row M_d: the block
# trained on enhancement with IBGL; configs/bgl/bgl_transfer_*.py):
#   python tools/train.py configs/bgl/bgl_sid_ibgl.py
#   python tools/test.py configs/bgl/bgl_sid_ibgl.py work_dirs/bgl_sid_ibgl/iter_20000.pth
# Everything else (optimisers, schedule, the eight test metrics) as bgl_sid_tbgl.py.
_base_ = ['./bgl_sid_tbgl.py']

model = dict(solver=dict(_delete_=True, type='IBGL', k=80, fresh_batches=True))
