# End-to-end strategy with λ = 0 (docs/method.md#training-strategies, eq. 5; the strategy of
# RUAS-TPAMI Table VI's "ℓt" row, which is on DARK FACE: this is an extra):
# the detector of configs/ruas_ssd_exdark.py with the scene module trained from scratch
# together with it on the detection loss ℓt alone — no stage 1, the scene at the full lr.
# With λ = 0, swapping the data preprocessor is all eq. 5 needs (no SceneTaskModel).
#   python tools/train.py configs/ruas_ssd_exdark/ruas_ssd_exdark_e2e_lam0.py \
#       --cfg-options model.backbone.init_cfg.checkpoint=/path/vgg16_caffe-292e1171.pth
_base_ = ['./ruas_ssd_exdark.py']

model = dict(data_preprocessor=dict(scene_checkpoint=None))
optim_wrapper = dict(paramwise_cfg=dict(_delete_=True))
