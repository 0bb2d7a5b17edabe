# Cooperative architecture search (docs/method.md#cooperative-search-alg-1, RUAS-TPAMI Alg. 1) of
# the RUAS scene module and DeepLab-v3+'s feature conversion on ACDC night (RUAS-TPAMI §7), with the
# same model, hook, optimiser constructor and data-parallel wrapper as the detection search:
# - scene (α_s, ω_s): the RUAS_S scene module inside the data preprocessor
#   (RUASSegDataPreprocessor), IEM cells searchable and tied (one scene genotype);
#   L_s = ℓs of eq. 5 (SceneLoss) on the scene output;
# - task (α_t, ω_t): the four ASPP convs of SearchSepASPPHead, each a mixed op over the task
#   set (Table 1), are α_t; decode and auxiliary head weights are ω_t; the ResNet-101
#   backbone is fixed, weights and BN statistics included (RUAS-TPAMI §7.1 fixes the backbone
#   in the search; model.freeze_backbone=True); L_t = the segmentation loss (decode cross-entropy + 0.4 x the
#   auxiliary head's), also the task's validation loss, on the validation half.
# The search set (ACDC night's 400 training images) is split into disjoint halves (seeded;
# work_dir/search_split.json): ω on the first, α on the second. The paper's settings for the
# segmentation search (RUAS-TPAMI §7.2): 30 epochs, batch 1, lr 3e-4, weight decay 5e-4. An
# epoch (our reading) is one pass over the 200-image training half at batch 1; the hook
# alternates one epoch of the scene phase and one of the task phase: 30 x 200 = 6,000
# iterations. The search starts from the trained DeepLab-v3+ of the main config (§7.2,
# `deeplab_checkpoint`; its ASPP convs do not load into the mixed edges). 512 x 512 crops
# (our choice) keep the supernet's memory in reach of one GPU.
#   python tools/train.py configs/ruas_deeplabv3plus_acdc/ruas_deeplabv3plus_acdc_search.py \
#       --cfg-options model.task.init_cfg.checkpoint=/path/deeplabv3plus_r101-d8_512x1024_80k_cityscapes_20200606_114143-068fcfe9.pth
#   bash tools/dist_train.sh configs/ruas_deeplabv3plus_acdc/ruas_deeplabv3plus_acdc_search.py 2
# Outputs in the work_dir: genotypes.json, alpha_history.json and retrain_config.py, which
# inherits configs/ruas_deeplabv3plus_acdc.py and sets model.data_preprocessor.scene.iem.genotype
# and model.decode_head.aspp_genotype.
_base_ = ['../_base_/models/ruas_deeplabv3plus_r101.py', '../_base_/datasets/acdc.py',
          '../_base_/models/ruas_s_scene.py',
          '../_base_/schedules/search_det_seg.py']   # Adam lr 3e-4, wd 5e-4; the hook

deeplab_checkpoint = ('data/pretrained/'
                      'deeplabv3plus_r101-d8_512x1024_80k_cityscapes_20200606_114143-068fcfe9.pth')
crop_size = (512, 512)
scene = dict(_base_.scene, iem=dict(_base_.scene.iem, genotype=None))   # searchable

model = dict(
    _base_.search_model,   # SceneTaskSearchModel: SceneLoss, tied IEM α, backbone frozen
    _delete_=True,
    # batch 1: DeepLab-v3+'s image-pooling branch normalises a 1 x 1 map, which BatchNorm cannot
    # do in training from one image; its BN keeps the trained checkpoint's statistics (eval
    # mode, our choice), its weights still train
    eval_modules=('decode_head.image_pool',),
    task=dict(
        _base_.model,
        init_cfg=dict(type='Pretrained', checkpoint=deeplab_checkpoint),
        data_preprocessor=dict(_base_.model.data_preprocessor,
                               type='RUASSegDataPreprocessor', scene=scene, size=crop_size),
        decode_head=dict(_base_.model.decode_head, aspp_genotype=None)))

# batch 1 (RUAS-TPAMI §7.2); an endless sampler for the iteration-based loop; 512 x 512 crops
train_pipeline = [dict(t, crop_size=crop_size) if t.type == 'RandomCrop' else t
                  for t in _base_.train_pipeline]
train_dataloader = dict(batch_size=1, num_workers=2, persistent_workers=False,
                        dataset=dict(pipeline=train_pipeline))

# 30 epochs over the training half (⌈n/2⌉ images) of the search set, at batch 1
search_set_size = 400   # ACDC night's training split (the paper's 400 search/train images)
iters_per_epoch = (search_set_size + 1) // 2
max_iters = _base_.epochs * iters_per_epoch
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters + 1)
val_dataloader = val_cfg = val_evaluator = None
test_dataloader = test_cfg = test_evaluator = None

custom_hooks = [
    # one epoch of the training half per phase; the retrain base is the segmentation training
    # config (the written retrain_config.py inherits it; it need not exist during the search)
    dict(_base_.custom_hooks[0], phase_iters=(iters_per_epoch, iters_per_epoch),
         retrain_base='{{fileDirname}}/ruas_deeplabv3plus_acdc.py'),
]
default_hooks = dict(
    checkpoint=dict(type='SafeCheckpointHook', by_epoch=False, interval=iters_per_epoch,
                    max_keep_ckpts=2, save_last=True))
