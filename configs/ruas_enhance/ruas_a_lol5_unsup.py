# RUAS_A (released genotypes) trained from scratch WITHOUT ground truth on the five LOL
# low images of the reference folder, evaluated against their high images, with the
# papers' losses (ℓs of RUAS-TPAMI eq. 5 for the IEM, η 0.1; the NRM loss, η_n 0.05) and
# the papers' enhancement optimiser (Adam 3e-4). The comparison of objectives under the
# authors' training recipe is configs/ruas_enhance/lol5/ (README, "Training from scratch").
#   python tools/train.py configs/ruas_enhance/ruas_a_lol5_unsup.py
_base_ = ['./ruas_a_released.py']

data_root = '../shared/reference/ruas-official/lol'
# LOL's pipeline (_base_/datasets/lol.py) with 128 x 128 crops
train_pipeline = [dict(t, crop_size=(128, 128)) if t.type == 'PairedRandomCrop' else t
                  for t in _base_.train_pipeline]
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(_delete_=True, type='UnpairedFolderDataset', data_root=data_root + '/low',
                 pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, split=None))
test_dataloader = val_dataloader

param_scheduler = [dict(type='CosineAnnealingLR', T_max=1200, eta_min=1e-5, by_epoch=False)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=1200, val_interval=1200)
default_hooks = dict(logger=dict(interval=100),
                     checkpoint=dict(interval=1200, max_keep_ckpts=1, save_last=True))
# evaluated on 8-bit outputs rounded to nearest (the released config truncates)
val_evaluator = [dict(type='PSNR', print_per_image=True), dict(type='SSIM')]
test_evaluator = val_evaluator
