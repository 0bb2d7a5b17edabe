# RUAS-TPAMI Table V, MIT row "RUAS_A" (21.018 / 0.855 / 0.139): RUAS with the noise
# estimator and gate, as ./ruas_mit5k.py otherwise; the estimator as ../lolv2/ruas_a_lolv2.py
# (L1 noise loss, the NRM's optimiser and cadence: our choice).
_base_ = ['./ruas_mit5k.py']

model = dict(scene=dict(variant='RUAS_A',
                        estimator=dict(_delete_=True, width=32, num_layers=5,
                                       threshold=0.035)))
optim_wrapper = dict(estimator=_base_.optim_wrapper.nrm)
