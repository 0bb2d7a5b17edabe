# BGL transfer to face detection (BGL, ACM MM 2023, Table 3, row M_d: the generative block
# trained on the ENHANCEMENT task with IBGL, frozen, in front of the detector: DARK FACE mAP
# 0.690 / ACDC mIoU 44.91): the DSFD-style detector of configs/ruas_dsfd_darkface.py trained
# on DARK FACE with that block in its data preprocessor in place of the RUAS scene module.
# DARK FACE has no RAW: BGL §4.1 obtains it "by means of an unprocess [2] approach", [2] =
# Chen et al. 2023 ("Instance Segmentation in the Dark"); every image becomes their synthetic
# low-light packed RAW (mmruas.LowLightRaw: Brooks-style unprocessing with a calibrated camera
# matrix, exposure ratio r ~ U(10, 100), ELD's physics-based noise, amplified back by r; the
# values of their released code, mmruas/datasets/transforms/low_light_raw.py) after the
# geometric transforms and the padding; F maps it back to RGB, mmdet's preprocessing follows.
# Fresh draws in training, fixed per image (seed 0) in val/test (our choice).
# Command sequence (the block first, on SID with IBGL; then this config):
#   python tools/train.py configs/bgl/bgl_sid_ibgl.py          # the block (SID, IBGL)
#   python tools/train.py configs/bgl/bgl_transfer_dsfd_darkface.py --cfg-options \
#       model.backbone.init_cfg.checkpoint=/path/vgg16_caffe-292e1171.pth
#   (model.data_preprocessor.scene_checkpoint defaults to work_dirs/bgl_sid_ibgl/iter_20000.pth)
_base_ = ['../ruas_dsfd_darkface/ruas_dsfd_darkface.py']

bgl_checkpoint = 'work_dirs/bgl_sid_ibgl/iter_20000.pth'
model = dict(
    data_preprocessor=dict(scene=dict(_delete_=True, type='GenerativeBlock'),
                           freeze_scene=True, scene_checkpoint=bgl_checkpoint))
optim_wrapper = dict(paramwise_cfg=dict(_delete_=True))   # the block is frozen

# the data set base's pipelines, each image turned into a synthetic low-light packed RAW
# (Chen et al. 2023) just before packing
low_light_raw = dict(type='mmruas.LowLightRaw', noise='PGRU', ratio_range=(10.0, 100.0),
                     ccm='calibrated', amplify=True)
train_pipeline = [*_base_.train_pipeline[:-1], low_light_raw, _base_.train_pipeline[-1]]
test_pipeline = [*_base_.test_pipeline[:-1], dict(low_light_raw, seed=0),
                 _base_.test_pipeline[-1]]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
