# End-to-end strategy with λ = 0.1 (docs/method.md#training-strategies, eq. 5; the strategy of
# RUAS-TPAMI Table VI's "ℓt + λℓs" row, which is on DARK FACE: this is an extra):
# SceneTaskModel around the segmentor of configs/ruas_deeplabv3plus_acdc.py, the scene
# module trained from scratch together with it on ℓt + λ·ℓs, ℓs = ‖tᴷ − y‖² + η·RTV(tᴷ)
# (SceneLoss, η 0.1) on the scene output of each training batch (logged as loss_scene). The
# papers give no λ; 0.1 keeps ℓs a regulariser of the segmentation loss.
#   python tools/train.py configs/ruas_deeplabv3plus_acdc/ruas_deeplabv3plus_acdc_e2e_lam0.1.py \
#       --cfg-options model.task.init_cfg.checkpoint=/path/deeplabv3plus_r101-d8_512x1024_80k_cityscapes_20200606_114143-068fcfe9.pth
_base_ = ['./ruas_deeplabv3plus_acdc.py']

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
