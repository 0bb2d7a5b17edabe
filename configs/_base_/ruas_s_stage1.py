# Hierarchical strategy, stage 1 (RUAS-TPAMI §3.2), shared by the tasks' *_stage1.py: the
# RUAS scene module alone (./models/ruas_s_scene.py: RUAS_S, DET_SCENE_DARKFACE) in
# RUASEnhancer, trained without labels with ℓs = ‖tᴷ − y‖² + η·RTV(tᴷ), the scene loss of
# RUAS-TPAMI eq. 5 (§3.2's stage 1); the papers' enhancement settings (RUAS-TPAMI's search
# settings, ./schedules/enhance_adam.py): Adam, lr 3e-4, weight decay 1e-3; iteration-based,
# no validation or test loop. A task's stage 1 sets its images (data_root, train_pipeline,
# train_dataloader.dataset) and its length, with a cosine schedule over it:
#   max_iters = 4000
#   param_scheduler = [dict(type='CosineAnnealingLR', T_max=max_iters, eta_min=1e-5,
#                           by_epoch=False)]
#   train_cfg = dict(max_iters=max_iters)
_base_ = ['./models/ruas_a.py', './models/ruas_s_scene.py', './schedules/enhance_adam.py',
          './default_runtime.py']

model = dict(scene_loss=dict(type='SceneLoss', eta=0.1),
             scene=dict(_base_.scene, _delete_=True))
train_dataloader = dict(
    batch_size=8, num_workers=2, persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True))
val_dataloader = val_cfg = val_evaluator = None
test_dataloader = test_cfg = test_evaluator = None
train_cfg = dict(type='IterBasedTrainLoop')
default_hooks = dict(logger=dict(interval=50),
                     checkpoint=dict(interval=1000, max_keep_ckpts=2, save_last=True))
