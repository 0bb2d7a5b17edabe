# BGL transfer to segmentation (BGL, ACM MM 2023, Table 3, row M_d: the generative block
# trained on the ENHANCEMENT task with IBGL, frozen, in front of the segmentor: ACDC mIoU
# 44.91; BGL Table 2's ACDC layout): DeepLab-v3+ (ResNet-101 V1c,
# configs/ruas_deeplabv3plus_acdc.py) trained on ACDC night with that block in its data
# preprocessor in place of the RUAS scene module.
# ACDC has no RAW: BGL §4.1 obtains it "by means of an unprocess [2] approach", [2] = Chen et
# al. 2023 ("Instance Segmentation in the Dark"); every image becomes their synthetic
# low-light packed RAW (mmruas.LowLightRaw: Brooks-style unprocessing with a calibrated camera
# matrix, exposure ratio r ~ U(10, 100), ELD's physics-based noise, amplified back by r; the
# values of their released code, mmruas/datasets/transforms/low_light_raw.py) after the
# geometric transforms; F maps it back to RGB, mmseg's preprocessing follows. Fresh draws in
# training, fixed per image (seed 0) in val/test (our choice).
# Paper settings (BGL §4.1, "Parameter settings"): batch 5, initial lr 0.1 for segmentation;
# 400 / 106 ACDC pairs (the data set base's night train / val). Our choices: one GPU × 5
# images (the paper ran on one RTX 3090), the base's SGD (momentum 0.9, weight decay 5e-4),
# poly decay and 20k iterations.
# Command sequence (the block first, on SID with IBGL; then this config):
#   python tools/train.py configs/bgl/bgl_sid_ibgl.py          # the block (SID, IBGL)
#   python tools/train.py configs/bgl/bgl_transfer_deeplabv3plus_acdc.py --cfg-options \
#       model.pretrained=/path/resnet101_v1c-e67eebb6.pth
#   (model.data_preprocessor.scene_checkpoint defaults to work_dirs/bgl_sid_ibgl/iter_20000.pth)
_base_ = ['../ruas_deeplabv3plus_acdc/ruas_deeplabv3plus_acdc.py']

bgl_checkpoint = 'work_dirs/bgl_sid_ibgl/iter_20000.pth'
model = dict(
    data_preprocessor=dict(scene=dict(_delete_=True, type='GenerativeBlock'),
                           freeze_scene=True, scene_checkpoint=bgl_checkpoint))
# the block is frozen; BGL §4.1: initial lr 0.1 for segmentation
optim_wrapper = dict(optimizer=dict(lr=0.1), paramwise_cfg=dict(_delete_=True))
auto_scale_lr = dict(enable=False, base_batch_size=5)

# the data set base's pipelines, each image turned into a synthetic low-light packed RAW
# (Chen et al. 2023) just before packing
low_light_raw = dict(type='mmruas.LowLightRaw', noise='PGRU', ratio_range=(10.0, 100.0),
                     ccm='calibrated', amplify=True)
train_pipeline = [*_base_.train_pipeline[:-1], low_light_raw, _base_.train_pipeline[-1]]
test_pipeline = [*_base_.test_pipeline[:-1], dict(low_light_raw, seed=0),
                 _base_.test_pipeline[-1]]
# BGL §4.1: batch 5 for segmentation
train_dataloader = dict(batch_size=5, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

# BGL Table 2 averages 16 classes (its caption's set: no truck, bus, motorcycle): reported as
# mIoU16 beside the 19-class mIoU
val_evaluator = dict(type='SegTableIoUMetric', subsets=dict(mIoU16='bgl_table2'))
test_evaluator = val_evaluator
