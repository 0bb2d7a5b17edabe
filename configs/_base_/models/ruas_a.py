# RUAS_A (IEM + noise estimator + gated NRM) with the released genotypes (RUAS-CVPR §3, RUAS-TPAMI §5.1).
model = dict(
    type='RUASEnhancer',
    scene=dict(
        type='RUAS',
        variant='RUAS_A',
        iem=dict(num_stages=3, gamma=0.5, width=3, genotype='IEM_LOL'),
        nrm=dict(num_cells=3, width=6, genotype='NRM_LOL'),
        estimator=dict(width=32, num_layers=5, threshold=0.035)),
    # ℓs = ‖tᴷ − y‖² + η·RTV(tᴷ) (RUAS-TPAMI eq. 5) for the IEM
    scene_loss=dict(type='SceneLoss', eta=0.1),
    nrm_loss=dict(type='NRMLoss', eta=0.05),
    estimator_loss_weight=1.0,
    data_preprocessor=dict(type='EnhanceDataPreprocessor'))
