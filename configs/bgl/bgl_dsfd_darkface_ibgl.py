# BGL on DARK FACE with the DSFD-style detector as G and the implicit solver IBGL (BGL, ACM
# MM 2023, §4.1 "Parameter settings": detection k = 30): 30 lower steps of the detector per
# outer iteration, each on a fresh training batch (the training loop's stream, so one outer
# iteration consumes 30 batches), then
# G_F = ∇ω L_F − [(∇θ L_F·∇θ L_G)/(∇θ L_G·∇θ L_G)]·∇ω L_G and the step of F.
#   python tools/train.py configs/bgl/bgl_dsfd_darkface_ibgl.py --cfg-options \
#       model.task.backbone.init_cfg.checkpoint=/path/vgg16_caffe-292e1171.pth
# Everything else as bgl_dsfd_darkface_tbgl.py (incl. Chen et al. 2023's low-light RAW
# synthesis of the images). Budget (this project's choice): the same 2,000 warm-start
# iterations, then 600 outer iterations = 18,000 lower (detector) steps, as many as the
# TBGL config's bilevel phase.
_base_ = ['./bgl_dsfd_darkface_tbgl.py']

model = dict(solver=dict(_delete_=True, type='IBGL', k=30, fresh_batches=True))

max_iters = 2600
train_cfg = dict(max_iters=max_iters, val_interval=1300)
default_hooks = dict(checkpoint=dict(interval=1300))
