# As ruas_lol5_authors_recipe.py (same data, optimisers, cadence and budget) with the
# papers' losses instead of the authors' script's: the IEM on ℓs = ‖tᴷ − y‖² + η·RTV(tᴷ)
# (RUAS-TPAMI eq. 5; η 0.1, RTV of Xu et al. 2012) and the NRM on ½‖x − uᴷ‖² + η_n·TV(x)
# (RUAS-CVPR §3.2; η_n 0.05). Only the loss differs between the rows of README's table.
#   python tools/train.py configs/ruas_enhance/lol5/ruas_lol5_scene_loss.py
_base_ = ['./ruas_lol5_authors_recipe.py']

model = dict(scene_loss=dict(_delete_=True, type='SceneLoss', eta=0.1),
             nrm_loss=dict(_delete_=True, type='NRMLoss', eta=0.05))
