# RUAS + DSFD-style face detector on DARK FACE (docs/method.md#downstream-tasks): mmruas's
# product face detector, not the paper's own. RUAS-TPAMI's "Ours" on DARK FACE (Tables VI-IX,
# 0.693) is the SSD-based detector of configs/ruas_ssd_darkface.py; Table IX's DSFD rows are
# other enhancers followed by DSFD, so no paper figure is this config's own. The
# hierarchical strategy's second stage (docs/method.md#training-strategies): the detector of
# _base_/models/ruas_dsfd.py (VGG-16, FEM neck, dual shot with Progressive Anchor Loss) with the
# RUAS scene module run in its data preprocessor (RUASDetDataPreprocessor: RUAS_S, IEM only, the
# published detection scene cell DET_SCENE_DARKFACE), the scene initialised from stage 1
# (configs/ruas_dsfd_darkface/ruas_dsfd_darkface_stage1.py: the scene alone, trained without labels) and the
# whole Ψt ∘ Ψs fine-tuned with the detection loss ℓt (scene lr × 0.1).
#
# Genotypes: DSFD's FEM (conv_3x3, 3-2-DC, conv_3x3, 3-2-DC, conv_3x3 per level) and 3×3
# heads; the cooperative search (configs/ruas_dsfd_darkface/ruas_dsfd_darkface_search.py) writes
# <work_dir>/retrain_config.py, which inherits this file and replaces them with the searched
# ones (then run stage 1 with the searched scene genotype too).
#
# Weights are read from local files only, never downloaded; tools/train.py stops with one
# `error:` line naming the key when a file is missing or is a URL:
# - ImageNet VGG-16 (mmdet's 'open-mmlab://vgg16_caffe', vgg16_caffe-292e1171.pth) at
#   `vgg16_checkpoint`;
# - the stage-1 scene at `scene_checkpoint` (stage 1's last checkpoint).
#   python tools/train.py configs/ruas_dsfd_darkface/ruas_dsfd_darkface_stage1.py
#   python tools/train.py configs/ruas_dsfd_darkface.py --cfg-options \
#       model.backbone.init_cfg.checkpoint=/path/vgg16_caffe-292e1171.pth \
#       model.data_preprocessor.scene_checkpoint=/path/stage1/iter_6000.pth
#   python tools/test.py configs/ruas_dsfd_darkface.py work_dirs/ruas_dsfd_darkface/epoch_60.pth \
#       --cfg-options model.data_preprocessor.scene_checkpoint=None --out dsfd_test.pkl
#   python tools/analysis_tools/plot_pr.py configs/ruas_dsfd_darkface.py dsfd_test.pkl --out pr.png
_base_ = ['../_base_/models/ruas_dsfd.py', '../_base_/datasets/darkface.py',
          '../_base_/models/ruas_s_scene.py',       # scene: RUAS_S, DET_SCENE_DARKFACE
          '../_base_/schedules/sgd_det_finetune.py']   # SGD, the scene at lr / 10

vgg16_checkpoint = 'data/pretrained/vgg16_caffe-292e1171.pth'
scene_checkpoint = 'work_dirs/ruas_dsfd_darkface_stage1/iter_6000.pth'

model = dict(
    data_preprocessor=dict(type='RUASDetDataPreprocessor', scene=_base_.scene,
                           scene_checkpoint=scene_checkpoint),
    backbone=dict(init_cfg=dict(_delete_=True, type='Pretrained', checkpoint=vgg16_checkpoint)))

# Schedule (the papers give none for the detector; DSFD's recipe scaled to one GPU): SGD
# lr 1e-3 at batch 4 with a linear warm-up, 60 epochs of the 5,000 training images, lr / 10
# after epochs 40 and 52. The scene, already trained in stage 1, is fine-tuned at lr / 10.
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
# cuDNN autotuning: training crops are padded to 640×640, and DARK FACE's images are all
# 1080×720 (one test shape; the TTA scales add one shape each)
env_cfg = dict(cudnn_benchmark=True)
