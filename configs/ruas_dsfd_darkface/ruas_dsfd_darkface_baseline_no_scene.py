# Plain DSFD-style detector without the scene module, fine-tuned on the raw low-light
# DARK FACE images (the analogue of RUAS-TPAMI Table IX's "DSFD fine-tuned on raw low-light"
# reference, 0.596 for the paper's DSFD, not this DSFD-style detector; docs/method.md#downstream-tasks): configs/ruas_dsfd_darkface.py with mmdet's DetDataPreprocessor
# (same mean, std, channel order and padding) in place of RUASDetDataPreprocessor; same schedule.
#   python tools/train.py configs/ruas_dsfd_darkface/ruas_dsfd_darkface_baseline_no_scene.py \
#       --cfg-options model.backbone.init_cfg.checkpoint=/path/vgg16_caffe-292e1171.pth
_base_ = ['./ruas_dsfd_darkface.py']

model = dict(data_preprocessor=dict(
    _delete_=True, type='DetDataPreprocessor', mean=[123.675, 116.28, 103.53], std=[1, 1, 1],
    bgr_to_rgb=True, pad_size_divisor=1))
optim_wrapper = dict(paramwise_cfg=dict(_delete_=True))
