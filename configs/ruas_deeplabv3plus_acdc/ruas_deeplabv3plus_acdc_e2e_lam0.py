# End-to-end strategy with λ = 0 (docs/method.md#training-strategies, eq. 5; the strategy of
# RUAS-TPAMI Table VI's "ℓt" row, which is on DARK FACE: this is an extra):
# the segmentor of configs/ruas_deeplabv3plus_acdc.py with its scene module trained from
# scratch together with it on the segmentation loss alone (no stage 1, scene at the full lr).
#   python tools/train.py configs/ruas_deeplabv3plus_acdc/ruas_deeplabv3plus_acdc_e2e_lam0.py \
#       --cfg-options model.init_cfg.checkpoint=/path/deeplabv3plus_r101-d8_512x1024_80k_cityscapes_20200606_114143-068fcfe9.pth
_base_ = ['./ruas_deeplabv3plus_acdc.py']

model = dict(data_preprocessor=dict(scene_checkpoint=None))
optim_wrapper = dict(paramwise_cfg=dict(_delete_=True))
