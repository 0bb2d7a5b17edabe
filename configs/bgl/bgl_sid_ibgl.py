# BGL on SID (Sony) with the implicit solver IBGL (METHOD.md §6): k = 80 lower steps per
# outer iteration, then G_F = ∇ω L_F − [(∇θ L_F·∇θ L_G)/(∇θ L_G·∇θ L_G)]·∇ω L_G.
#   python tools/train.py configs/bgl/bgl_sid_ibgl.py
_base_ = ['./bgl_sid_tbgl.py']

model = dict(solver=dict(_delete_=True, type='IBGL', k=80))
