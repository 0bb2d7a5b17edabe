# End-to-end strategy with λ = 0 (RUAS-TPAMI Table VI, "ℓt", mAP 0.685; eq. 5,
# docs/method.md#training-strategies): the detector of configs/ruas_ssd_darkface.py with its
# scene module trained from scratch together with it on the detection loss alone (no stage 1,
# the scene at the full lr).
#   python tools/train.py configs/ruas_ssd_darkface/ruas_ssd_darkface_e2e_lam0.py \
#       --cfg-options model.backbone.init_cfg.checkpoint=/path/vgg16_caffe-292e1171.pth
_base_ = ['./ruas_ssd_darkface.py']

model = dict(data_preprocessor=dict(scene_checkpoint=None))
optim_wrapper = dict(paramwise_cfg=dict(_delete_=True))
