# RUAS (IEM + NRM, the released genotypes) trained from scratch WITHOUT ground truth on the
# five LOL low images, exactly as the RUAS-CVPR authors' training script does (docs: the
# authors' recipe), with its one loader defect removed (images drawn at random instead of
# always the first):
#   IEM: ½·mean((tᴷ − y)²) + S(tᴷ), S their smoothness term as their code computes it
#        (AuthorsIEMLoss, smoothness='code'); SGD 0.015 / 0.9 / 3e-4, clip 5, every iteration;
#   NRM: 1e-7·mean((x − uᴷ)²) + TV₂(x) (AuthorsNRMLoss); SGD 1e-3, every 50th iteration.
# Their NRM starts from a separately pre-trained denoiser that is not published; here it
# starts from scratch (PyTorch's default initialisation, as the IEM).
#   python tools/train.py configs/ruas_enhance/lol5/ruas_lol5_authors_recipe.py
_base_ = [
    '../../_base_/models/ruas_a.py', '../../_base_/datasets/lol5_unsup.py',
    '../../_base_/schedules/authors_enhance_800.py', '../../_base_/default_runtime.py'
]

model = dict(
    scene=dict(variant='RUAS', estimator=None),
    scene_loss=dict(_delete_=True, type='AuthorsIEMLoss', smoothness='code'),
    nrm_loss=dict(_delete_=True, type='AuthorsNRMLoss'),
    nrm_interval=50)
default_hooks = dict(logger=dict(interval=100),
                     checkpoint=dict(interval=800, max_keep_ckpts=1, save_last=True))
# cuDNN autotuning: fixed 320×320 training crops; LOL's test images are all 600×400
env_cfg = dict(cudnn_benchmark=True)
