# S3FD-style variant with the published searched detection architecture (docs/method.md#genotypes:
# the authors' released DARK FACE detection model, VGG-16 SSD/S3FD-style, six source levels):
# single shot, no FEM; the extras (two 1×1-reduce + stride-2 pairs) DET_EXTRAS_DARKFACE
# (conv_7x7, conv_7x7, conv_7x7, conv_3x3), the per-level box-regression convs
# DET_REG_DARKFACE and classification convs DET_CLS_DARKFACE, the scene cell
# DET_SCENE_DARKFACE; otherwise configs/ruas_dsfd_darkface.py (hierarchical stage 2, its
# stage-1 scene, face anchors 16…512 at strides 4…128, schedule, data).
#   python tools/train.py configs/ruas_dsfd_darkface/ruas_dsfd_darkface_s3fd_published_genotype.py --cfg-options \
#       model.backbone.init_cfg.checkpoint=/path/vgg16_caffe-292e1171.pth \
#       model.data_preprocessor.scene_checkpoint=/path/stage1/iter_6000.pth
_base_ = ['./ruas_dsfd_darkface.py']

model = dict(
    neck=dict(with_fem=False, extra_genotype='DET_EXTRAS_DARKFACE', fem_genotype=None),
    bbox_head=dict(
        _delete_=True,
        type='SearchSSDHead',
        in_channels=(256, 512, 512, 1024, 512, 256),
        num_classes=1,
        reg_genotype='DET_REG_DARKFACE',
        cls_genotype='DET_CLS_DARKFACE',
        anchor_generator=_base_.model.bbox_head.anchor_generator,
        bbox_coder=_base_.model.bbox_head.bbox_coder))
