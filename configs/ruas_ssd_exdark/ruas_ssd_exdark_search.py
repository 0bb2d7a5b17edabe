# Cooperative architecture search (docs/method.md#cooperative-search-alg-1, RUAS-TPAMI Alg. 1) of
# the RUAS scene module and SSD300's neck and head on ExDark (RUAS-TPAMI §7,
# docs/method.md#downstream-tasks), with the same hook, optimiser constructor and data-parallel
# wrapper as the enhancement search:
# - scene (α_s, ω_s): the RUAS_S scene module inside the data preprocessor
#   (RUASDetDataPreprocessor), IEM cells searchable and tied (one scene genotype, as
#   published); L_s = ℓs of eq. 5 (SceneLoss) on the scene output;
# - task (α_t, ω_t): the extra-level convs of SearchSSDNeck and the per-level reg/cls convs
#   of SearchSSDHead (α_t); backbone + neck + head weights (ω_t: the VGG16 architecture is
#   fixed and, as in the paper's search (RUAS-TPAMI §7.1), so are its ImageNet weights:
#   model.freeze_backbone=True, the default of _base_/schedules/search_det_seg.py);
#   L_t = the SSD loss; the task's validation loss is the SSD loss on the validation half.
# The search set (the paper's random 5,200 search/train images, ruas_train.txt of
# _base_/datasets/exdark_ruas_split.py) is split into disjoint halves (seeded;
# work_dir/search_split.json): ω on the first, α on the second. The paper's settings for the
# detection search (RUAS-TPAMI §7.1): 30 epochs, batch 1, lr 3e-4, weight decay 5e-4.
# An epoch (our reading) is one pass over the training half (2,600 images at batch 1); the
# hook alternates one such epoch of the scene phase and one of the task phase, so 30 epochs
# are 30 x 2,600 = 78,000 iterations (15 scene and 15 task phases; README.md of this folder).
#   python tools/train.py configs/ruas_ssd_exdark/ruas_ssd_exdark_search.py --cfg-options \
#       model.task.backbone.init_cfg.checkpoint=/path/vgg16_caffe-292e1171.pth
#   bash tools/dist_train.sh configs/ruas_ssd_exdark/ruas_ssd_exdark_search.py 2
# Outputs in the work_dir: genotypes.json, alpha_history.json and retrain_config.py, which
# inherits configs/ruas_ssd_exdark.py and sets model.data_preprocessor.scene.iem.genotype,
# model.neck.genotype and model.bbox_head.reg_genotype / cls_genotype.
# ExDark's official 3,000-image train split instead: _base_/datasets/exdark_official.py and
# search_set_size = 3000.
_base_ = ['../_base_/models/ruas_ssd300.py', '../_base_/datasets/exdark_ruas_split.py',
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
        neck=dict(_base_.model.neck, genotype=None),
        bbox_head=dict(_base_.model.bbox_head, reg_genotype=None, cls_genotype=None)))

# batch 1 (docs/method.md#search-settings); an endless sampler for the iteration-based loop
train_dataloader = dict(batch_size=1, num_workers=2, persistent_workers=False,
                        sampler=dict(_delete_=True, type='InfiniteSampler', shuffle=True))

# 30 epochs over the training half (⌈n/2⌉ images) of the search set, at batch 1
search_set_size = 5200   # the paper's random search/train set (RUAS-TPAMI §7.1)
iters_per_epoch = (search_set_size + 1) // 2
max_iters = _base_.epochs * iters_per_epoch
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters + 1)
val_dataloader = val_cfg = val_evaluator = None
test_dataloader = test_cfg = test_evaluator = None

custom_hooks = [
    # one epoch of the training half per phase; the retrain base is the detection training
    # config (the written retrain_config.py inherits it; it need not exist during the search)
    dict(_base_.custom_hooks[0], phase_iters=(iters_per_epoch, iters_per_epoch),
         retrain_base='{{fileDirname}}/ruas_ssd_exdark.py'),
]

# runtime: mmdet's (_base_/det_runtime.py), iteration-based
default_hooks = dict(
    checkpoint=dict(type='SafeCheckpointHook', by_epoch=False, interval=iters_per_epoch,
                    max_keep_ckpts=2, save_last=True))
log_processor = dict(by_epoch=False)
# cuDNN autotuning: training and validation halves are both resized to 300×300
env_cfg = dict(cudnn_benchmark=True)
