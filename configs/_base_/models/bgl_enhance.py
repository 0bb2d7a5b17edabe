# BGL (ACM MM 2023, §3): generative block F (U-Net, four scales, packed RAW → RGB) followed by
# the enhancement task G (three convolutions → illumination t, y = x ⊙ t⁻¹).
# Lower loss L_G = ‖t − x‖² + η·RTV(t) (self-supervised); upper loss L_F = ‖y − y_gt‖₁.
# The solver is chosen by the inheriting config: dict(type='TBGL', delta=0.01) or
# dict(type='IBGL', k=80).
model = dict(
    type='BGLModel',
    generator=dict(type='GenerativeBlock', in_channels=4, out_channels=3, base_channels=32,
                   num_scales=4),
    task=dict(type='EnhancementTask', channels=16),
    lower_loss=dict(type='SceneLoss', eta=0.1),
    upper_loss_weight=1.0,
    warmup_loss='lower',
    solver=dict(type='TBGL', delta=0.01),
    data_preprocessor=dict(type='RawDataPreprocessor'))
