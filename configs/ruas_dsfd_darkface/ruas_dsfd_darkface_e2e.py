# End-to-end strategy with λ = 0 (docs/method.md#training-strategies, eq. 5; the strategy of
# RUAS-TPAMI Table VI's "ℓt" row, whose 0.685 is the SSD-based detector's:
# configs/ruas_ssd_darkface/ruas_ssd_darkface_e2e_lam0.py): the detector of configs/ruas_dsfd_darkface.py with the scene module
# trained from scratch together with it on the detection loss ℓt alone — no stage 1, the scene at
# the full lr. (ℓt + λℓs: wrap the model in SceneTaskModel with lam > 0, as
# configs/ruas_ssd_exdark/ruas_ssd_exdark_e2e_lam0.1.py does.)
#   python tools/train.py configs/ruas_dsfd_darkface/ruas_dsfd_darkface_e2e.py \
#       --cfg-options model.backbone.init_cfg.checkpoint=/path/vgg16_caffe-292e1171.pth
_base_ = ['./ruas_dsfd_darkface.py']

model = dict(data_preprocessor=dict(scene_checkpoint=None))
optim_wrapper = dict(paramwise_cfg=dict(_delete_=True))
