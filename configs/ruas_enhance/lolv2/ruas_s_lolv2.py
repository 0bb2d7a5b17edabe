# RUAS-TPAMI Table V, LOL row "RUAS_S" (16.038 / 0.513 / 0.661): the IEM alone (the scene
# module, §5.1), as ./ruas_lolv2.py otherwise (its IEM loss, optimiser and length). For the
# searched IEM genotype pass the list from the search's retrain_config.py:
#   python tools/train.py configs/ruas_enhance/lolv2/ruas_s_lolv2.py \
#       --cfg-options "model.scene.iem.genotype=[op0,op1,op2,op3,op4,op5,op6]"
_base_ = ['./ruas_lolv2.py']

model = dict(scene=dict(variant='RUAS_S'))
optim_wrapper = dict(_delete_=True, constructor='EnhancerOptimWrapperConstructor',
                     iem=_base_.optim_wrapper.iem)
