# RUAS + DeepLab-v3+ on ACDC night with a ResNet-50 V1c backbone (mmseg's
# deeplabv3plus_r50-d8), otherwise configs/ruas_deeplabv3plus_acdc.py (hierarchical stage 2).
# ImageNet weights from a local file only (mmseg's 'open-mmlab://resnet50_v1c'):
#   python tools/train.py configs/ruas_deeplabv3plus_acdc/ruas_deeplabv3plus_acdc_r50.py \
#       --cfg-options model.pretrained=/path/resnet50_v1c-2cccc1ad.pth
_base_ = ['../ruas_deeplabv3plus_acdc.py']

resnet_checkpoint = 'data/pretrained/resnet50_v1c-2cccc1ad.pth'
model = dict(pretrained=resnet_checkpoint, backbone=dict(depth=50))
