# LOL-v2 Real_captured (Yang et al. 2021) as distributed: Train/{Low,Normal} (689 pairs) and
# Test/{Low,Normal} (100 pairs), low00001.png pairing with normal00001.png. These are the
# 789 LOL pairs of RUAS-TPAMI §6.1 (100 pairs for evaluation, the other 689 for search and
# training); the official split is the default, a seeded random 689 / 100 is
# ./lolv2_random.py. Training is unsupervised: the losses see only the low images.
# Loaders and the test pipeline are LOL's (./lol.py); the data set, the training crops, the
# batch and the metrics differ.
_base_ = ['./lol.py']

dataset_type = 'LOLv2Dataset'
data_root = 'data/LOL-v2/Real_captured'

# random 320 x 320 crops, offsets in [0, H - 321] (the RUAS-CVPR authors' loader), batch 1
# (RUAS-TPAMI §6.1), images drawn at random
train_pipeline = [
    dict(type='LoadLowLightImage'),
    dict(type='PairedRandomCrop', crop_size=320, offset_margin=1),
    dict(type='PackEnhanceInputs'),
]
train_dataloader = dict(batch_size=1, dataset=dict(type=dataset_type, data_root=data_root,
                                                   pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
test_dataloader = val_dataloader
# RUAS-TPAMI §6.1's metrics: PSNR, SSIM, LPIPS (Zhang et al. 2018, AlexNet v0.1). LPIPS
# reads two local weight files and never downloads: torchvision's AlexNet state dict and
# the lpips package's weights/v0.1/alex.pth (where the BGL configs read them too).
lpips_net_weights = 'data/pretrained/alexnet-owt-7be5be79.pth'
lpips_lin_weights = 'data/pretrained/lpips_v0.1_alex.pth'
val_evaluator = [dict(type='PSNR'), dict(type='SSIM'),
                 dict(type='LPIPS', net_weights=lpips_net_weights,
                      lin_weights=lpips_lin_weights)]
test_evaluator = val_evaluator
