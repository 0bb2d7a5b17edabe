# BGL on SID (Sony) with the implicit solver IBGL (BGL, ACM MM 2023, Alg. 1): k = 80 lower
# steps per outer iteration, each on a fresh training batch (the loop's stream: one outer
# iteration consumes 80 batches), then
# G_F = ∇ω L_F − [(∇θ L_F·∇θ L_G)/(∇θ L_G·∇θ L_G)]·∇ω L_G.
#   python tools/train.py configs/bgl/bgl_sid_ibgl.py
_base_ = ['./bgl_sid_tbgl.py']

model = dict(solver=dict(_delete_=True, type='IBGL', k=80, fresh_batches=True))
