# End-to-end strategy with λ = 0.1 (docs/method.md#training-strategies, eq. 5; the strategy of
# RUAS-TPAMI Table VI's "ℓt + λℓs" row, which is on DARK FACE: this is an extra):
# SceneTaskModel around the detector of configs/ruas_ssd_exdark.py, the scene module
# trained from scratch together with it on ℓt + λ·ℓs, ℓs = ‖tᴷ − y‖² + η·RTV(tᴷ) (SceneLoss, η 0.1)
# on the scene output of each training batch (logged as loss_scene). The papers give no λ;
# 0.1 keeps ℓs a regulariser of the detection loss.
#   python tools/train.py configs/ruas_ssd_exdark/ruas_ssd_exdark_e2e_lam0.1.py \
#       --cfg-options model.task.backbone.init_cfg.checkpoint=/path/vgg16_caffe-292e1171.pth
_base_ = ['./ruas_ssd_exdark.py']

lam = 0.1
model = dict(
    _delete_=True,
    type='SceneTaskModel',
    task=dict(_base_.model,
              data_preprocessor=dict(_base_.model.data_preprocessor, scene_checkpoint=None)),
    scene_loss=dict(type='SceneLoss', eta=0.1),
    lam=lam)
# under DDP, ℓs needs the scene outputs: this wrapper asks the preprocessor for them
model_wrapper_cfg = dict(type='SceneTaskDistributedDataParallel')
optim_wrapper = dict(paramwise_cfg=dict(_delete_=True))
