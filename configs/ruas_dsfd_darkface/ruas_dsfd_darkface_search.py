# Cooperative architecture search (docs/method.md#cooperative-search-alg-1, RUAS-TPAMI Alg. 1) of
# the RUAS scene module and the DSFD-style detector's neck and head on DARK FACE, with the same
# model, hook, optimiser constructor and data-parallel wrapper as the SSD search
# (configs/ruas_ssd_exdark/ruas_ssd_exdark_search.py):
# - scene (α_s, ω_s): the RUAS_S scene module in the data preprocessor, IEM cells searchable
#   and tied (one scene genotype); L_s = ℓs of eq. 5 (SceneLoss);
# - task (α_t, ω_t): the FEM branch convs and the extras of SearchFEMNeck and the
#   second-shot reg/cls convs of DSFDHead (α_t; the first shot, a training-time auxiliary,
#   stays 3×3); neck + both heads' weights (ω_t); the VGG-16 backbone fixed, weights
#   included (RUAS-TPAMI §7.1; model.freeze_backbone=True); L_t = the Progressive Anchor
#   Loss; the task's validation loss is that loss on the validation half.
# The search set (the 5,000 training images) is split into disjoint halves (seeded;
# work_dir/search_split.json). Papers' settings for detection: 30 epochs, batch 1, lr 3e-4,
# weight decay 5e-4. Memory: with 10 candidates per edge the searchable neck holds about
# 600 M parameters (the fixed one 28.5 M), i.e. about 10 GB with gradients and Adam states
# before activations: search on a large GPU, or narrow the space, e.g.
# model.task.neck.candidates=['conv_3x3','dilconv_3x3','conv_5x5'] (fewer, smaller ops).
#   python tools/train.py configs/ruas_dsfd_darkface/ruas_dsfd_darkface_search.py --cfg-options \
#       model.task.backbone.init_cfg.checkpoint=/path/vgg16_caffe-292e1171.pth
# Outputs in the work_dir: genotypes.json, alpha_history.json and retrain_config.py, which
# inherits configs/ruas_dsfd_darkface.py and sets model.data_preprocessor.scene.iem.genotype,
# model.neck.fem_genotype / extra_genotype and model.bbox_head.reg_genotype / cls_genotype.
_base_ = ['../_base_/models/ruas_dsfd.py', '../_base_/datasets/darkface.py',
          '../_base_/models/ruas_s_scene.py',
          '../_base_/schedules/search_det_seg.py']   # Adam lr 3e-4, wd 5e-4; the hook

vgg16_checkpoint = 'data/pretrained/vgg16_caffe-292e1171.pth'   # the fixed backbone's weights
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
        # the high-level task set of Table 1 (docs/method.md#search-space-table-i)
        neck=dict(_base_.model.neck, fem_genotype=None, extra_genotype=None,
                  candidates=['conv_1x1', 'conv_3x3', 'conv_5x5', 'conv_7x7', 'dilconv_3x3',
                              'dilconv_5x5', 'dilconv_7x7', 'dilconv_3x3_d6',
                              'dilconv_3x3_d12', 'dilconv_3x3_d18']),
        bbox_head=dict(_base_.model.bbox_head, reg_genotype=None, cls_genotype=None)))

# batch 1 (docs/method.md#search-settings); an endless sampler for the iteration-based loop
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
         retrain_base='{{fileDirname}}/ruas_dsfd_darkface.py'),
]

default_hooks = dict(
    checkpoint=dict(type='SafeCheckpointHook', by_epoch=False, interval=iters_per_epoch,
                    max_keep_ckpts=2, save_last=True))
log_processor = dict(by_epoch=False)
# cuDNN autotuning: both search halves are 640×640 padded crops
env_cfg = dict(cudnn_benchmark=True)
