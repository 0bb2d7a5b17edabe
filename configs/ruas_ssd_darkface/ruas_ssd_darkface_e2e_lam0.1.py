# End-to-end strategy with λ > 0 (RUAS-TPAMI Table VI, "ℓt + λℓs", mAP 0.660; eq. 5):
# SceneTaskModel around the detector of configs/ruas_ssd_darkface.py, the scene trained from
# scratch with it on ℓt + λ·ℓs (SceneLoss, η 0.1). The paper gives no λ; 0.1 is our choice
# (ℓs as a regulariser of the detection loss).
#   python tools/train.py configs/ruas_ssd_darkface/ruas_ssd_darkface_e2e_lam0.1.py \
#       --cfg-options model.task.backbone.init_cfg.checkpoint=/path/vgg16_caffe-292e1171.pth
_base_ = ['./ruas_ssd_darkface.py']

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
