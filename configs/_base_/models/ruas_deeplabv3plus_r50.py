# ./ruas_deeplabv3plus.py with ResNet-50 V1c (mmseg's _base_/models/deeplabv3plus_r50-d8.py).
# ImageNet weights are read from a local path only (mmseg's 'open-mmlab://resnet50_v1c' is
# download.openmmlab.com/pretrain/third_party/resnet50_v1c-2cccc1ad.pth): set
#   --cfg-options model.pretrained=/path/resnet50_v1c-2cccc1ad.pth
# (None: random initialisation).
_base_ = ['./ruas_deeplabv3plus.py']

model = dict(backbone=dict(depth=50))
