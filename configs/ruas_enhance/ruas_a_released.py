# RUAS_A with the authors' released genotypes and weights. Convert the weights first:
#   python tools/convert_released_ruas.py lol.pt work_dirs/ruas_a_lol_released.pth
#   python tools/test.py configs/ruas_enhance/ruas_a_released.py \
#       work_dirs/ruas_a_lol_released.pth --cfg-options test_dataloader.dataset.data_root=...
_base_ = [
    '../_base_/models/ruas_a.py', '../_base_/datasets/lol.py',
    '../_base_/schedules/unsupervised_3k.py', '../_base_/default_runtime.py'
]

# The released code saves its results with astype('uint8') (truncation) and its published
# PSNR figures are on those images; 'floor' reproduces them (15.374 dB mean on the five
# reference LOL pairs), 'round' (mmruas's default) gives 15.405 dB for the same output.
val_evaluator = [dict(type='PSNR', quantize='floor', print_per_image=True),
                 dict(type='SSIM', quantize='floor')]
test_evaluator = val_evaluator
