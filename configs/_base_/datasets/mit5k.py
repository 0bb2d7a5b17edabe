# MIT-Adobe FiveK (Bychkovsky et al. 2011) as RUAS-TPAMI §6.1 uses it: 500 under-exposed
# inputs for search and training, 100 pairs for testing; the reference is expert C (the one
# §6.1 calls the usual choice; we use it). Layout (MIT5KDataset):
#   data_root/input/<name>.{jpg,png,tif}    the inputs, exported as 8-bit sRGB
#   data_root/expertC/<name>.{tif,jpg,png}  expert C's retouch of each (or Expert-C/ ...)
# matched by file stem. Which inputs count as "under-exposed" the paper does not say; put
# the candidates in input/ (our choice). The split (seed 0, our choice):
#   python tools/dataset_converters/make_split.py mit5k data/MIT-Adobe-5K --seed 0
# writes train.txt (500 input names) / test.txt (100) and mit5k_split.json under the root.
_base_ = ['./lolv2.py']   # pipelines, loaders and evaluators (PSNR, SSIM, LPIPS)

dataset_type = 'MIT5KDataset'
data_root = 'data/MIT-Adobe-5K'
train_dataloader = dict(dataset=dict(_delete_=True, type=dataset_type, data_root=data_root,
                                     ann_file='train.txt', pipeline=_base_.train_pipeline))
val_dataloader = dict(dataset=dict(_delete_=True, type=dataset_type, data_root=data_root,
                                   ann_file='test.txt', pipeline=_base_.test_pipeline))
test_dataloader = val_dataloader
