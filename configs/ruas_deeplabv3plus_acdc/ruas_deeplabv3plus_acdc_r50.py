# RUAS + DeepLab-v3+ on ACDC night with a ResNet-50 V1c backbone (mmseg's
# deeplabv3plus_r50-d8; an extra, the paper's segmentor is the R-101 one of the main config),
# otherwise configs/ruas_deeplabv3plus_acdc.py (hierarchical stage 2), starting from mmseg's
# Cityscapes DeepLab-v3+ R-50-D8 (512 x 1024, 80k iterations), a local file only:
#   python tools/train.py configs/ruas_deeplabv3plus_acdc/ruas_deeplabv3plus_acdc_r50.py \
#       --cfg-options model.init_cfg.checkpoint=/path/deeplabv3plus_r50-d8_512x1024_80k_cityscapes_20200606_114049-f9fb496d.pth
_base_ = ['./ruas_deeplabv3plus_acdc.py']

deeplab_checkpoint = ('data/pretrained/'
                      'deeplabv3plus_r50-d8_512x1024_80k_cityscapes_20200606_114049-f9fb496d.pth')
model = dict(init_cfg=dict(checkpoint=deeplab_checkpoint), backbone=dict(depth=50))
