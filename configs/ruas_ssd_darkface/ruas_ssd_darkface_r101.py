# RUAS-TPAMI Table VII, "Ours" with ResNet-101 (mAP 0.657): ruas_ssd_darkface_r50.py at depth
# 101; ImageNet weights: mmpretrain's resnet101_8xb32_in1k (local file only).
_base_ = ['./ruas_ssd_darkface_r50.py']

resnet_checkpoint = 'data/pretrained/resnet101_8xb32_in1k_20210831-539c63f8.pth'
model = dict(backbone=dict(depth=101, init_cfg=dict(checkpoint=resnet_checkpoint)))
