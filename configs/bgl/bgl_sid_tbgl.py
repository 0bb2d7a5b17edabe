# BGL on SID (Sony) with the truncated solver TBGL (BGL, ACM MM 2023, Alg. 1): per outer
# iteration one lower step, then the hypergradient at the new θ with its second-order term
# by central finite differences (δ = 0.01), computed by mmruas.search.hypergradient (the
# cooperative search's one-step hypergradient), and the upper step.
#   python tools/train.py configs/bgl/bgl_sid_tbgl.py
#   python tools/test.py configs/bgl/bgl_sid_tbgl.py work_dirs/bgl_sid_tbgl/iter_20000.pth
# Paper settings (BGL §4.1, "Parameter settings"): batch 2, crops 512, warm start lr 1e-4,
# upper lr 3e-3 → 5e-6, lower lr 3e-3 → 3e-5, Adam with betas (0.9, 0.999) for the
# enhancement model (§4.1: Adam, (0.9, 0.999), initial lr 3e-3 when the block is trained on
# the enhancement task). Our choices (the paper does not state them): Adam for the block's
# (upper) optimiser too, the iteration counts (warm start 2,000, total 20,000) and the
# cosine decay between the stated rates.
# Metrics (BGL §4.1: eight for enhancement; Table 1: PSNR, SSIM, LPIPS, VIF, FSIM, BRISQUE;
# Table 3: NIQE, LOE): all eight in test_evaluator. LPIPS reads local weight files only
# (lpips_alexnet / lpips_lin below; docs/bgl.md says where they come from). Our choice:
# validation during training computes PSNR and SSIM only (cheap, no weight files); LOE's
# reference image is the block's sRGB output F(z) (the enhancement module's input; the
# packed RAW has no lightness order to compare with).
_base_ = ['../_base_/default_runtime.py', '../_base_/models/bgl_enhance.py',
          '../_base_/datasets/sid.py']

model = dict(solver=dict(type='TBGL', delta=0.01))

warmup_iters = 2000
max_iters = 20000
warm_lr, upper_lr, lower_lr = 1e-4, 3e-3, 3e-3
optim_wrapper = dict(
    constructor='BGLOptimWrapperConstructor',
    upper=dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=upper_lr,
                                                   betas=(0.9, 0.999))),
    lower=dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=lower_lr,
                                                   betas=(0.9, 0.999))))
# warm start at 1e-4 (ConstantLR factor), then cosine decay to the final rates
param_scheduler = dict(
    upper=[dict(type='ConstantLR', factor=warm_lr / upper_lr, begin=0, end=warmup_iters,
                by_epoch=False),
           dict(type='CosineAnnealingLR', T_max=max_iters - warmup_iters, begin=warmup_iters,
                end=max_iters, eta_min=5e-6, by_epoch=False)],
    lower=[dict(type='ConstantLR', factor=warm_lr / lower_lr, begin=0, end=warmup_iters,
                by_epoch=False),
           dict(type='CosineAnnealingLR', T_max=max_iters - warmup_iters, begin=warmup_iters,
                end=max_iters, eta_min=3e-5, by_epoch=False)])

train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=2000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# the eight enhancement metrics of BGL §4.1 (Tables 1 and 3)
lpips_alexnet = 'data/pretrained/alexnet-owt-7be5be79.pth'
lpips_lin = 'data/pretrained/lpips_v0.1_alex.pth'
val_evaluator = [dict(type='PSNR'), dict(type='SSIM')]
test_evaluator = [dict(type='PSNR'), dict(type='SSIM'),
                  dict(type='LPIPS', net_weights=lpips_alexnet, lin_weights=lpips_lin),
                  dict(type='VIF'), dict(type='FSIM'), dict(type='BRISQUE'),
                  dict(type='NIQE'), dict(type='LOE', input_key='pred_raw_rgb')]

# tools/dist_train.sh: the model's own BGL step (gradients averaged over ranks) instead of
# mmengine's plain DDP step
model_wrapper_cfg = dict(type='SearchDistributedDataParallel')

# upper-level (L_F) batches from the disjoint second half of the training list
custom_hooks = [dict(type='BGLHook', warmup_iters=warmup_iters, val_split=True)]
default_hooks = dict(logger=dict(interval=50),
                     checkpoint=dict(interval=2000, max_keep_ckpts=2, save_last=True))
