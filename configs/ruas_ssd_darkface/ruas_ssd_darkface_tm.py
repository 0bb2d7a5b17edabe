# RUAS-TPAMI Table VIII "TM" (mAP 0.611; also Table VII's VGG-16 baseline, 0.611): the
# hand-designed SSD / S3FD task module alone, no scene module: configs/ruas_ssd_darkface.py with
# S3FD's own extras (1×1 reduce, 3×3 stride 2, twice) and 3×3 head convs, and mmdet's plain
# DetDataPreprocessor (same mean, std, channel order); fine-tuned on the raw low-light images.
#   python tools/train.py configs/ruas_ssd_darkface/ruas_ssd_darkface_tm.py \
#       --cfg-options model.backbone.init_cfg.checkpoint=/path/vgg16_caffe-292e1171.pth
_base_ = ['./ruas_ssd_darkface.py']

model = dict(
    data_preprocessor=dict(_delete_=True, type='DetDataPreprocessor',
                           mean=[123.675, 116.28, 103.53], std=[1, 1, 1], bgr_to_rgb=True,
                           pad_size_divisor=1),
    neck=dict(extra_genotype=['conv_1x1', 'conv_3x3', 'conv_1x1', 'conv_3x3']),
    bbox_head=dict(reg_genotype=['conv_3x3'] * 6, cls_genotype=['conv_3x3'] * 6))
optim_wrapper = dict(paramwise_cfg=dict(_delete_=True))
