# MIT-Adobe FiveK (Bychkovsky et al. 2011) as RUAS-TPAMI §6.1 uses it: 500 under-exposed
# inputs for search and training, 100 pairs for testing; the reference is expert C (the one
# §6.1 calls the usual choice; we use it). Layout (MIT5KDataset):
#   data_root/input/<name>.{jpg,png,tif}    the inputs, exported as 8-bit sRGB
#   data_root/expertC/<name>.{tif,jpg,png}  expert C's retouch of each (or Expert-C/ ...)
# matched by file stem. Which inputs count as "under-exposed" the paper does not say; put
# the candidates in input/ (our choice). The split (seed 0, our choice):
#   python tools/dataset_converters/make_split.py mit5k data/MIT-Adobe-5K --seed 0
# writes train.txt (500 input names) / test.txt (100) and mit5k_split.json under the root.
dataset_type = 'MIT5KDataset'
data_root = 'data/MIT-Adobe-5K'

train_pipeline = [
    dict(type='LoadLowLightImage'),
    dict(type='PairedRandomCrop', crop_size=320, offset_margin=1),
    dict(type='PackEnhanceInputs'),
]
test_pipeline = [
    dict(type='LoadLowLightImage'),
    dict(type='LoadGtImage'),
    dict(type='PackEnhanceInputs'),
]
train_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, ann_file='train.txt',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, ann_file='test.txt',
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
# PSNR, SSIM, LPIPS (RUAS-TPAMI §6.1); LPIPS from local weight files (./lolv2.py)
lpips_net_weights = 'checkpoints/alexnet-owt-7be5be79.pth'
lpips_lin_weights = 'checkpoints/lpips_v0.1_alex.pth'
val_evaluator = [dict(type='PSNR'), dict(type='SSIM'),
                 dict(type='LPIPS', net_weights=lpips_net_weights,
                      lin_weights=lpips_lin_weights)]
test_evaluator = val_evaluator
