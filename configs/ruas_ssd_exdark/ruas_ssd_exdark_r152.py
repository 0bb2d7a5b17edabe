# configs/ruas_ssd_exdark/ruas_ssd_exdark_r50.py with ResNet-152 (an ExDark extra);
# ImageNet weights: mmpretrain's resnet152_8xb32_in1k (local file only).
_base_ = ['./ruas_ssd_exdark_r50.py']

resnet_checkpoint = 'data/pretrained/resnet152_8xb32_in1k_20210901-4d7582fa.pth'
model = dict(backbone=dict(depth=152, init_cfg=dict(checkpoint=resnet_checkpoint)))
