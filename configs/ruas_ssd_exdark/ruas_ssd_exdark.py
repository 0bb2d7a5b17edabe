# RUAS + SSD300 on ExDark (RUAS-TPAMI §7.1, docs/method.md#downstream-tasks; paper mAP 0.536 and
# the per-class APs of Table X, on the paper's random 5,200 / 1,200 split), the hierarchical strategy's second stage (docs/method.md#training-strategies): the detector
# of _base_/models/ruas_ssd300.py (VGG16 SSD300, searched neck extras and head convs) with the
# RUAS scene module run in its data preprocessor (RUASDetDataPreprocessor: RUAS_S, IEM only,
# the published detection scene cell), the scene initialised from stage 1
# (configs/ruas_ssd_exdark/ruas_ssd_exdark_stage1.py: the scene alone, trained without
# labels) and the whole Ψt ∘ Ψs fine-tuned with the detection loss ℓt (scene lr × 0.1).
#
# Genotypes: the published DARK FACE ones (docs/method.md#genotypes) by default; the cooperative
# search (configs/ruas_ssd_exdark/ruas_ssd_exdark_search.py) writes <work_dir>/retrain_config.py,
# which inherits this file and replaces them with the searched ones (then run stage 1 with
# the searched scene genotype too: model.scene.iem.genotype).
#
# Weights are read from local files only, never downloaded; tools/train.py stops with one
# `error:` line naming the key when a file is missing or is a URL:
# - ImageNet VGG16 (mmdet's 'open-mmlab://vgg16_caffe', i.e. vgg16_caffe-292e1171.pth from
#   download.openmmlab.com/pretrain/third_party/) at `vgg16_checkpoint`;
# - the stage-1 scene at `scene_checkpoint` (stage 1's last checkpoint in its default
#   work dir).
# The variables are read once, when this file is parsed: override the model keys, e.g.
#   python tools/train.py configs/ruas_ssd_exdark/ruas_ssd_exdark_stage1.py
#   python tools/train.py configs/ruas_ssd_exdark.py --cfg-options \
#       model.backbone.init_cfg.checkpoint=/path/vgg16_caffe-292e1171.pth \
#       model.data_preprocessor.scene_checkpoint=/path/stage1/iter_4000.pth
# (model.backbone.init_cfg=None: random VGG16; model.data_preprocessor.scene_checkpoint=None:
# the scene from scratch, i.e. end-to-end with λ = 0). tools/test.py builds the model too,
# so it needs the scene file, or scene_checkpoint=None (the tested checkpoint holds the
# scene's weights).
# Data: the paper's seeded random split (_base_/datasets/exdark_ruas_split.py: ruas_train.txt
# 5,200 images, ruas_test.txt 1,200; write them once with tools/dataset_converters/make_split.py);
# ExDark's official split: _base_/datasets/exdark_official.py in its place.
_base_ = ['../_base_/models/ruas_ssd300.py', '../_base_/datasets/exdark_ruas_split.py',
          '../_base_/models/ruas_s_scene.py',       # scene: RUAS_S, DET_SCENE_DARKFACE
          '../_base_/schedules/sgd_det_finetune.py']   # SGD, the scene at lr / 10

vgg16_checkpoint = 'data/pretrained/vgg16_caffe-292e1171.pth'
scene_checkpoint = 'work_dirs/ruas_ssd_exdark_stage1/iter_4000.pth'

model = dict(
    data_preprocessor=dict(type='RUASDetDataPreprocessor', scene=_base_.scene,
                           scene_checkpoint=scene_checkpoint),
    backbone=dict(init_cfg=dict(_delete_=True, type='Pretrained', checkpoint=vgg16_checkpoint)),
    neck=dict(genotype='DET_EXTRAS_DARKFACE'),
    bbox_head=dict(num_classes=12, reg_genotype='DET_REG_DARKFACE',
                   cls_genotype='DET_CLS_DARKFACE'))

# Schedule (the papers give none for the detector; mmdet's SSD300 recipe for one GPU):
# SGD lr 1e-3 at batch 8 with a linear warm-up, 120 epochs of the 5,200 training images, lr / 10
# after epochs 80 and 110. The scene, already trained in stage 1, is fine-tuned at lr / 10.
max_epochs = 120
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', by_epoch=True, begin=0, end=max_epochs, milestones=[80, 110],
         gamma=0.1),
]
train_cfg = dict(max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=8)

# runtime: mmdet's (_base_/det_runtime.py); tools/test.py --show-dir draws the detections
default_hooks = dict(
    checkpoint=dict(type='SafeCheckpointHook', interval=10, max_keep_ckpts=3, save_last=True,
                    save_best='pascal_voc/mAP', rule='greater'),
    visualization=dict(type='DetVisualizationHook', draw=False, score_thr=0.3))
# cuDNN autotuning: every input is resized to 300×300 (train and test, keep_ratio=False), so
# the algorithms chosen for the first batch serve the whole run
env_cfg = dict(cudnn_benchmark=True)
