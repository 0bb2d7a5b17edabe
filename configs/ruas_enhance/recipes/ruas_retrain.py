# Training with a searched architecture (RUAS-TPAMI §6.1: "the same training losses as"
# the search), shared by the LOL-v2 and MIT-Adobe 5K training configs, which add the data
# and the length. Not a config to run on its own (it has no data).
#   model: RUAS (IEM + NRM; K = 3 stages, widths 3 / 6, §6.1) with the genotypes written by
#     the search (retrain_config.py); until a search has run, the released LOL genotypes
#     IEM_LOL / NRM_LOL stand in;
#   losses: those of the search configs (configs/ruas_enhance/search/ruas_search_lol5.py):
#     AuthorsIEMLoss (their smoothness as their code computes it) and AuthorsNRMLoss;
#   optimisers and cadence (the paper gives none for training: our choice, the RUAS-CVPR
#     authors' training script, ../../_base_/schedules/authors_enhance_800.py): the IEM with
#     SGD 0.015 / 0.9 / 3e-4 every iteration, the NRM with SGD 1e-3 every 50th, clip 5;
#   batch 1 and 20 epochs over the search/training images (the search's numbers, §6.1;
#     for training the paper gives none: our choice), set by the data set's config.
_base_ = ['../../_base_/models/ruas_a.py', '../../_base_/schedules/authors_enhance_800.py',
          '../../_base_/default_runtime.py']

model = dict(
    scene=dict(variant='RUAS', estimator=None,
               iem=dict(genotype='IEM_LOL'), nrm=dict(genotype='NRM_LOL')),
    scene_loss=dict(_delete_=True, type='AuthorsIEMLoss', smoothness='code'),
    nrm_loss=dict(_delete_=True, type='AuthorsNRMLoss'),
    nrm_interval=50)
default_hooks = dict(logger=dict(interval=100),
                     checkpoint=dict(interval=2000, max_keep_ckpts=1, save_last=True))
