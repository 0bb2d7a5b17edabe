# RUAS-TPAMI Table V, LOL row "RUAS_A" (19.751 / 0.735 / 0.393): RUAS with the noise
# estimator and gate (§5.1), as ./ruas_lolv2.py otherwise. The estimator trains on mmruas's
# L1 noise loss (the papers do not say how: our choice) with the NRM's optimiser and
# cadence (our choice). Searched genotypes: pass both lists from retrain_config.py:
#   python tools/train.py configs/ruas_enhance/lolv2/ruas_a_lolv2.py --cfg-options \
#       "model.scene.iem.genotype=[...]" "model.scene.nrm.genotype=[...]"
_base_ = ['./ruas_lolv2.py']

model = dict(scene=dict(variant='RUAS_A',
                        estimator=dict(_delete_=True, width=32, num_layers=5,
                                       threshold=0.035)))
optim_wrapper = dict(estimator=_base_.optim_wrapper.nrm)
