# The five LOL pairs of the reference folder for unsupervised training from scratch: the
# losses see only the LOW images (random crops, images drawn at random); the high images
# are read by the validation loop alone, to draw PSNR/SSIM against iteration — never to
# choose a checkpoint or a setting.
_base_ = ['./lol.py']

data_root = '../shared/reference/ruas-official/lol'
train_pipeline = [
    dict(type='LoadLowLightImage'),
    # the authors' loader: offsets uniform in [0, H − 320 − 1] (offset_margin=1), no flips
    dict(type='PairedRandomCrop', crop_size=320, offset_margin=1),
    dict(type='PackEnhanceInputs'),
]
train_dataloader = dict(
    batch_size=1, num_workers=0, persistent_workers=False,
    dataset=dict(_delete_=True, type='UnpairedFolderDataset', data_root=data_root + '/low',
                 pipeline=train_pipeline))
val_dataloader = dict(num_workers=0, persistent_workers=False,
                      dataset=dict(data_root=data_root, split=None))
test_dataloader = val_dataloader
# the final output and the IEM output uᴷ alone (logged as iem/PSNR, iem/SSIM)
val_evaluator = [dict(type='PSNR', print_per_image=True), dict(type='SSIM'),
                 dict(type='PSNR', pred_key='pred_iem_img', prefix='iem'),
                 dict(type='SSIM', pred_key='pred_iem_img', prefix='iem')]
test_evaluator = val_evaluator
