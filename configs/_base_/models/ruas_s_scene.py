# The RUAS scene module of the detection and segmentation configs (RUAS-TPAMI §3.2, §7):
# RUAS_S, i.e. the IEM alone (three stages, γ 0.5, width 3), with the published detection
# scene cell DET_SCENE_DARKFACE. A variable, not a model: stage 2 runs it in the task's data
# preprocessor (model.data_preprocessor.scene=_base_.scene), stage 1 trains it alone
# (../ruas_s_stage1.py), and a search makes its cells searchable:
#   scene = dict(_base_.scene, iem=dict(_base_.scene.iem, genotype=None))
scene = dict(type='RUAS', variant='RUAS_S',
             iem=dict(num_stages=3, gamma=0.5, width=3, genotype='DET_SCENE_DARKFACE'))
