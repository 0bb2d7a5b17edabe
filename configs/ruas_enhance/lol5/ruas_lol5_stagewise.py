# As ruas_lol5_scene_loss.py with mmruas's former IEM objective, the stage-wise variant
# Σ_k ½‖tᵏ⁺¹ − t̂ᵏ‖² + η·RTV(tᵏ⁺¹) (StagewiseIEMLoss, η 0.01; not a loss of the papers),
# kept for comparison.
#   python tools/train.py configs/ruas_enhance/lol5/ruas_lol5_stagewise.py
_base_ = ['./ruas_lol5_scene_loss.py']

model = dict(scene_loss=dict(_delete_=True, type='StagewiseIEMLoss', eta=0.01,
                             target='stage'))
