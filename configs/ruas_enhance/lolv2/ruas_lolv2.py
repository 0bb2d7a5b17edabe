# RUAS-TPAMI Table V, LOL row "RUAS" (PSNR 18.226 / SSIM 0.717 / LPIPS 0.354): RUAS (IEM +
# NRM) trained without ground truth on the 689 LOL-v2 Real_captured training images with
# the searched genotypes, tested on the 100 test pairs (PSNR, SSIM, LPIPS). Recipe:
# ../recipes/ruas_retrain.py. 20 epochs at batch 1 = 20 x 689 = 13,780 iterations.
#   python tools/train.py work_dirs/ruas_search_lolv2/retrain_config.py   (searched genotypes)
#   python tools/train.py configs/ruas_enhance/lolv2/ruas_lolv2.py        (released ones)
#   python tools/test.py <the config> work_dirs/<run>/iter_13780.pth
_base_ = ['../recipes/ruas_retrain.py', '../../_base_/datasets/lolv2.py']

epochs = 20
num_train = 689                      # LOL-v2 Real_captured Train (RUAS-TPAMI §6.1: 689)
max_iters = epochs * num_train       # batch 1
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
