# Cooperative architecture search (RUAS-TPAMI Alg. 1, §7.1; docs/method.md#cooperative-search-alg-1)
# of the RUAS scene module and the task module of configs/ruas_ssd_darkface.py on DARK FACE:
# - scene (α_s, ω_s): RUAS_S in the data preprocessor, IEM cells searchable and tied;
#   L_s = ℓs of eq. 5 (SceneLoss);
# - task (α_t, ω_t): the four extra convs of the neck (SearchFEMNeck without FEM) and the
#   per-level reg / cls convs of SearchSSDHead (α_t, over the high-level task set of Table I);
#   neck and head weights (ω_t). The VGG-16 backbone is fixed, weights included ("the
#   backbone was fixed in the search process", §7.1): model.freeze_backbone=True;
#   L_t = the SSD loss, also the task's validation loss on the validation half.
# Search set: the paper's random 5,000 DARK FACE images (train.txt), split into disjoint halves
# (seeded; work_dir/search_split.json): ω on the first, α on the second. §7.1's settings:
# 30 epochs, batch 1, lr 3e-4, weight decay 5e-4. An epoch (our reading) is one pass over the
# training half (2,500 images at batch 1); the scene and task phases alternate one such epoch
# each, so 30 epochs = 75,000 iterations (README.md of this folder).
#   python tools/train.py configs/ruas_ssd_darkface/ruas_ssd_darkface_search.py --cfg-options \
#       model.task.backbone.init_cfg.checkpoint=/path/vgg16_caffe-292e1171.pth
# Outputs in the work_dir: genotypes.json, alpha_history.json and retrain_config.py, which
# inherits configs/ruas_ssd_darkface.py with the searched scene, extra and head genotypes.
_base_ = ['../_base_/models/ruas_dsfd.py', '../_base_/datasets/darkface.py',
          '../_base_/models/ruas_s_scene.py',
          '../_base_/schedules/search_det_seg.py']   # Adam lr 3e-4, wd 5e-4; the hook

vgg16_checkpoint = 'data/pretrained/vgg16_caffe-292e1171.pth'
scene = dict(_base_.scene, iem=dict(_base_.scene.iem, genotype=None))   # searchable

model = dict(
    _base_.search_model,   # SceneTaskSearchModel: SceneLoss, tied IEM α, backbone frozen
    _delete_=True,
    task=dict(
        _base_.model,
        data_preprocessor=dict(_base_.model.data_preprocessor,
                               type='RUASDetDataPreprocessor', scene=scene),
        backbone=dict(_base_.model.backbone,
                      init_cfg=dict(type='Pretrained', checkpoint=vgg16_checkpoint)),
        neck=dict(_base_.model.neck, with_fem=False, fem_genotype=None, extra_genotype=None,
                  candidates=['conv_1x1', 'conv_3x3', 'conv_5x5', 'conv_7x7', 'dilconv_3x3',
                              'dilconv_5x5', 'dilconv_7x7', 'dilconv_3x3_d6',
                              'dilconv_3x3_d12', 'dilconv_3x3_d18']),
        bbox_head=dict(
            type='SearchSSDHead',
            in_channels=(256, 512, 512, 1024, 512, 256),
            num_classes=1,
            reg_genotype=None,
            cls_genotype=None,
            anchor_generator=_base_.model.bbox_head.anchor_generator,
            bbox_coder=_base_.model.bbox_head.bbox_coder)))

# batch 1 (§7.1); an endless sampler for the iteration-based loop
train_dataloader = dict(batch_size=1, num_workers=2, persistent_workers=False,
                        sampler=dict(_delete_=True, type='InfiniteSampler', shuffle=True))

# 30 epochs over the training half of the 5,000-image search set, at batch 1
search_set_size = 5000
iters_per_epoch = (search_set_size + 1) // 2
max_iters = _base_.epochs * iters_per_epoch
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters + 1)
val_dataloader = val_cfg = val_evaluator = None
test_dataloader = test_cfg = test_evaluator = None

custom_hooks = [
    dict(_base_.custom_hooks[0], phase_iters=(iters_per_epoch, iters_per_epoch),
         retrain_base='{{fileDirname}}/ruas_ssd_darkface.py'),
]
default_hooks = dict(
    checkpoint=dict(type='SafeCheckpointHook', by_epoch=False, interval=iters_per_epoch,
                    max_keep_ckpts=2, save_last=True))
log_processor = dict(by_epoch=False)
