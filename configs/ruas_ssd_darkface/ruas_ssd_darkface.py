# RUAS on DARK FACE: the paper's own detector ("Ours" of RUAS-TPAMI Tables VI-IX, §7.1: the
# searched neck and head on an SSD-based architecture; mAP 0.693, hierarchical strategy,
# Table VI), the hierarchical strategy's second stage (docs/method.md#training-strategies).
# The detector is SSD-based in S3FD's face form (VGG-16, six source levels conv3_3 ... extras at
# strides 4 ... 128, face anchors 16 ... 512, one class): _base_/models/ruas_dsfd.py without FEM
# and second shot (with_fem=False, SearchSSDHead), the extras and per-level head convs set to
# the published searched genotypes (DET_EXTRAS_DARKFACE, DET_REG_DARKFACE, DET_CLS_DARKFACE;
# docs/method.md#genotypes), and the RUAS scene module (RUAS_S, DET_SCENE_DARKFACE) run in
# its data preprocessor, initialised from stage 1
# (configs/ruas_ssd_darkface/ruas_ssd_darkface_stage1.py) and fine-tuned with ℓt at lr / 10.
# Not to be confused with configs/ruas_dsfd_darkface.py, the DSFD-style face detector
# (Table IX's DSFD rows are enhancer + DSFD, not the paper's "Ours").
#
# Sequence (data/DarkFace as distributed; the paper's random 5,000 / 1,000 split):
#   python tools/dataset_converters/make_split.py darkface data/DarkFace   # train.txt, test.txt
#   python tools/train.py configs/ruas_ssd_darkface/ruas_ssd_darkface_search.py   # optional
#   python tools/train.py configs/ruas_ssd_darkface/ruas_ssd_darkface_stage1.py
#   python tools/train.py configs/ruas_ssd_darkface.py --cfg-options \
#       model.backbone.init_cfg.checkpoint=/path/vgg16_caffe-292e1171.pth
#   python tools/test.py configs/ruas_ssd_darkface.py work_dirs/ruas_ssd_darkface/epoch_60.pth \
#       --cfg-options model.data_preprocessor.scene_checkpoint=None
# (after a search, train its work_dir/retrain_config.py instead of this file). Weights are read
# from local files only; tools/train.py names a missing one in one `error:` line.
_base_ = ['../_base_/models/ruas_dsfd.py', '../_base_/datasets/darkface.py',
          '../_base_/models/ruas_s_scene.py',       # scene: RUAS_S, DET_SCENE_DARKFACE
          '../_base_/schedules/sgd_det_finetune.py']   # SGD, the scene at lr / 10

vgg16_checkpoint = 'data/pretrained/vgg16_caffe-292e1171.pth'
scene_checkpoint = 'work_dirs/ruas_ssd_darkface_stage1/iter_6000.pth'
# the task module's genotypes: searched (published) by default; the hand-designed SSD / S3FD
# ones are ['conv_1x1', 'conv_3x3'] * 2 (extras) and ['conv_3x3'] * 6 (heads)
extra_genotype = 'DET_EXTRAS_DARKFACE'
reg_genotype = 'DET_REG_DARKFACE'
cls_genotype = 'DET_CLS_DARKFACE'

model = dict(
    data_preprocessor=dict(type='RUASDetDataPreprocessor', scene=_base_.scene,
                           scene_checkpoint=scene_checkpoint),
    backbone=dict(init_cfg=dict(_delete_=True, type='Pretrained', checkpoint=vgg16_checkpoint)),
    neck=dict(with_fem=False, fem_genotype=None, extra_genotype=extra_genotype),
    bbox_head=dict(
        _delete_=True,
        type='SearchSSDHead',
        in_channels=(256, 512, 512, 1024, 512, 256),
        num_classes=1,
        reg_genotype=reg_genotype,
        cls_genotype=cls_genotype,
        anchor_generator=_base_.model.bbox_head.anchor_generator,
        bbox_coder=_base_.model.bbox_head.bbox_coder))

# Schedule (the paper gives none for the detector's training; our choice, as
# configs/ruas_dsfd_darkface.py): SGD lr 1e-3 at batch 4 with a linear warm-up, 60 epochs of
# the 5,000 training images, lr / 10 after epochs 40 and 52.
max_epochs = 60
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=1000),
    dict(type='MultiStepLR', by_epoch=True, begin=0, end=max_epochs, milestones=[40, 52],
         gamma=0.1),
]
train_cfg = dict(max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=4)
default_hooks = dict(
    checkpoint=dict(type='SafeCheckpointHook', interval=10, max_keep_ckpts=3, save_last=True,
                    save_best='pascal_voc/mAP', rule='greater'),
    visualization=dict(type='DetVisualizationHook', draw=False, score_thr=0.3))
