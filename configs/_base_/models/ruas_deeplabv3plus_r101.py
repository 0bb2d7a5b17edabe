# ./ruas_deeplabv3plus.py with ResNet-101 V1c, the backbone of RUAS-TPAMI's segmentation
# experiments (mmseg's deeplabv3plus_r101-d8 configs). ImageNet weights are read from a local
# path only (mmseg's 'open-mmlab://resnet101_v1c', i.e. resnet101_v1c-e67eebb6.pth from
# download.openmmlab.com/pretrain/third_party/): set
#   --cfg-options model.pretrained=/path/resnet101_v1c-e67eebb6.pth
# (None: random initialisation).
_base_ = ['./ruas_deeplabv3plus.py']

model = dict(backbone=dict(depth=101))
