# RUAS-TPAMI Table V, MIT row "RUAS_S" (21.018 / 0.855 / 0.139; the same figures as Table
# II's K = 3): the IEM alone, as ./ruas_mit5k.py otherwise. Searched IEM genotype:
#   --cfg-options "model.scene.iem.genotype=[op0,op1,op2,op3,op4,op5,op6]"
_base_ = ['./ruas_mit5k.py']

model = dict(scene=dict(variant='RUAS_S'))
optim_wrapper = dict(_delete_=True, constructor='EnhancerOptimWrapperConstructor',
                     iem=_base_.optim_wrapper.iem)
