# RUAS + DeepLab-v3+ on ACDC night (RUAS-TPAMI §7, docs/method.md#downstream-tasks; paper mIoU 48.5
# vs 46.1 for DeepLab-v3+, Table 11), the hierarchical strategy's second stage
# (docs/method.md#training-strategies) on ACDC night's official train (400) / val (106) images:
# DeepLab-v3+ with a ResNet-101 V1c backbone as in mmseg
# (output stride 8) and the searchable feature conversion of _base_/models/ruas_deeplabv3plus.py,
# the RUAS scene module run in its data preprocessor (RUASSegDataPreprocessor: RUAS_S, IEM only),
# the scene initialised from stage 1
# (configs/ruas_deeplabv3plus_acdc/ruas_deeplabv3plus_acdc_stage1.py: the scene alone, trained
# without labels) and the whole Ψt ∘ Ψs fine-tuned with the segmentation loss ℓt (scene lr × 0.1).
#
# Genotypes: the papers publish none for segmentation. Until a search has run, the scene cell
# is the published detection scene cell DET_SCENE_DARKFACE and the ASPP convs are
# DeepLab-v3+'s own (SEG_ASPP_DEEPLABV3PLUS). The cooperative search
# (configs/ruas_deeplabv3plus_acdc/ruas_deeplabv3plus_acdc_search.py) writes
# <work_dir>/retrain_config.py, which inherits this file and sets the searched
# model.data_preprocessor.scene.iem.genotype and model.decode_head.aspp_genotype (then run
# stage 1 with the searched scene genotype too: model.scene.iem.genotype).
#
# Start: a trained DeepLab-v3+ (RUAS-TPAMI §7.2 starts from the pre-trained model of [53],
# DeepLab-v3+): mmseg's Cityscapes DeepLab-v3+ R-101-D8 (512 x 1024, 80k iterations),
# deeplabv3plus_r101-d8_512x1024_80k_cityscapes_20200606_114143-068fcfe9.pth from mmseg's model
# zoo, loaded into the whole segmentor by `model.init_cfg` (Pretrained; the scene's keys are not
# in it). Weights are read from local files only, never downloaded; tools/train.py stops with
# one `error:` line naming the key when a file is missing or is a URL:
# - the DeepLab-v3+ checkpoint at `model.init_cfg.checkpoint`;
# - the stage-1 scene at `model.data_preprocessor.scene_checkpoint`.
#   python tools/train.py configs/ruas_deeplabv3plus_acdc/ruas_deeplabv3plus_acdc_search.py
#   python tools/train.py configs/ruas_deeplabv3plus_acdc/ruas_deeplabv3plus_acdc_stage1.py
#   bash tools/dist_train.sh configs/ruas_deeplabv3plus_acdc.py 4 --cfg-options \
#       model.init_cfg.checkpoint=/path/deeplabv3plus_r101-d8_512x1024_80k_cityscapes_20200606_114143-068fcfe9.pth \
#       model.data_preprocessor.scene_checkpoint=/path/stage1/iter_4000.pth
#   python tools/test.py configs/ruas_deeplabv3plus_acdc.py work_dirs/.../iter_20000.pth \
#       --cfg-options model.data_preprocessor.scene_checkpoint=None
_base_ = ['../_base_/models/ruas_deeplabv3plus_r101.py', '../_base_/datasets/acdc.py',
          '../_base_/models/ruas_s_scene.py',      # scene: RUAS_S, DET_SCENE_DARKFACE
          '../_base_/schedules/sgd_seg_20k.py']   # SGD 20k iterations, the scene at lr / 10

deeplab_checkpoint = ('data/pretrained/'
                      'deeplabv3plus_r101-d8_512x1024_80k_cityscapes_20200606_114143-068fcfe9.pth')
scene_checkpoint = 'work_dirs/ruas_deeplabv3plus_acdc_stage1/iter_4000.pth'

model = dict(
    pretrained=None,   # the ImageNet backbone init is superseded by the trained DeepLab-v3+
    init_cfg=dict(type='Pretrained', checkpoint=deeplab_checkpoint),
    data_preprocessor=dict(type='RUASSegDataPreprocessor', scene=_base_.scene,
                           scene_checkpoint=scene_checkpoint),
    decode_head=dict(aspp_genotype='SEG_ASPP_DEEPLABV3PLUS'))

# Schedule (the papers give none for the segmentor): mmseg's DeepLab-v3+ Cityscapes recipe,
# 4 GPUs x 2 images, SGD lr 0.01 with poly decay, for 20k iterations (400 epochs of ACDC
# night's 400 training images), _base_/schedules/sgd_seg_20k.py. The scene, already trained
# in stage 1, is fine-tuned at lr / 10.
default_hooks = dict(
    checkpoint=dict(type='SafeCheckpointHook', by_epoch=False, interval=2000, max_keep_ckpts=3,
                    save_last=True, save_best='mIoU', rule='greater'))
