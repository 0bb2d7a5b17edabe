# RUAS-TPAMI Table VIII "RUAS_S + TM" (mAP 0.639): the RUAS scene module (stage-1 scene,
# hierarchical stage 2 as configs/ruas_ssd_darkface.py) in front of the hand-designed SSD /
# S3FD task module (S3FD's extras, 3×3 head convs).
#   python tools/train.py configs/ruas_ssd_darkface/ruas_ssd_darkface_scene_tm.py --cfg-options \
#       model.backbone.init_cfg.checkpoint=/path/vgg16_caffe-292e1171.pth
_base_ = ['./ruas_ssd_darkface.py']

model = dict(
    neck=dict(extra_genotype=['conv_1x1', 'conv_3x3', 'conv_1x1', 'conv_3x3']),
    bbox_head=dict(reg_genotype=['conv_3x3'] * 6, cls_genotype=['conv_3x3'] * 6))
