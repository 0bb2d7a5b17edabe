# BGL with a detector as the lower task G (BGL, ACM MM 2023, Table 3): the generative block F
# (U-Net, four scales, packed RAW → RGB) in front of the DSFD-style face detector of
# ./ruas_dsfd.py. F becomes the scene module of the detector's data preprocessor (its
# DetDataPreprocessor turned into RUASDetDataPreprocessor by BGLModel): RAW / 255 → F → × 255
# → the detector's own normalisation, the data path of configs/bgl/bgl_transfer_dsfd_darkface.py
# with F trainable. Lower loss L_G = the detection loss (DSFD's Progressive Anchor Loss) on
# the lower (training) batch; upper loss L_F = the same detection loss on the held-out upper
# batch (the paper's upper objective for a high-level task: the task loss of F∘G on held-out
# data). ω = F's weights, θ = the detector's. The solver is chosen by the inheriting config.
_base_ = ['./ruas_dsfd.py']

model = dict(
    _delete_=True,
    type='BGLModel',
    generator=dict(type='GenerativeBlock', in_channels=4, out_channels=3, base_channels=32,
                   num_scales=4),
    task={{_base_.model}},
    solver=dict(type='TBGL', delta=0.01),
    upper_loss_weight=1.0,
    warmup_loss='lower')
