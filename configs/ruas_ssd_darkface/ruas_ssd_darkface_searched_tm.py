# RUAS-TPAMI Table VIII "Search TM" (mAP 0.655): the searched task module (the published
# DARK FACE genotypes of configs/ruas_ssd_darkface.py, or a search's) without the scene module:
# mmdet's plain DetDataPreprocessor, fine-tuned on the raw low-light images.
#   python tools/train.py configs/ruas_ssd_darkface/ruas_ssd_darkface_searched_tm.py \
#       --cfg-options model.backbone.init_cfg.checkpoint=/path/vgg16_caffe-292e1171.pth
_base_ = ['./ruas_ssd_darkface.py']

model = dict(
    data_preprocessor=dict(_delete_=True, type='DetDataPreprocessor',
                           mean=[123.675, 116.28, 103.53], std=[1, 1, 1], bgr_to_rgb=True,
                           pad_size_divisor=1))
optim_wrapper = dict(paramwise_cfg=dict(_delete_=True))
