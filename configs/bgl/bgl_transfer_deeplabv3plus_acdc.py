# BGL transfer to segmentation (BGL, ACM MM 2023: a block trained on enhancement and frozen
# lifts ACDC mIoU to 44.91): DeepLab-v3+ (ResNet-101 V1c, configs/ruas_deeplabv3plus_acdc.py)
# trained on ACDC night with the generative block F of a BGL run frozen in its data
# preprocessor in place of the RUAS scene module. ACDC has no RAW: every image is first
# unprocessed to packed RAW (Unprocess, Brooks et al. 2019; after the geometric transforms),
# F maps it back to RGB, and mmseg's preprocessing follows.
#   python tools/train.py configs/bgl/bgl_sid_tbgl.py          # the block (SID)
#   bash tools/dist_train.sh configs/bgl/bgl_transfer_deeplabv3plus_acdc.py 4 --cfg-options \
#       model.pretrained=/path/resnet101_v1c-e67eebb6.pth \
#       model.data_preprocessor.scene_checkpoint=work_dirs/bgl_sid_tbgl/iter_20000.pth
# Unprocessing draws a random camera per image (colour matrix, gains); noise is off (the
# night photographs carry their own) and the exposure ratio is 1 (the papers do not say how
# ACDC was unprocessed: both are this project's choice). Evaluation uses a fixed seed.
_base_ = ['../ruas_deeplabv3plus_acdc.py']

bgl_checkpoint = 'work_dirs/bgl_sid_tbgl/iter_20000.pth'
exposure_ratio = 1.0
model = dict(
    data_preprocessor=dict(scene=dict(_delete_=True, type='GenerativeBlock'),
                           freeze_scene=True, scene_checkpoint=bgl_checkpoint))
optim_wrapper = dict(paramwise_cfg=dict(_delete_=True))   # the block is frozen

# the data set base's pipelines, the images unprocessed to packed RAW just before packing
unprocess = dict(type='mmruas.Unprocess', add_noise=False, ratio=exposure_ratio)
train_pipeline = [*_base_.train_pipeline[:-1], unprocess, _base_.train_pipeline[-1]]
test_pipeline = [*_base_.test_pipeline[:-1], dict(unprocess, seed=0), _base_.test_pipeline[-1]]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
