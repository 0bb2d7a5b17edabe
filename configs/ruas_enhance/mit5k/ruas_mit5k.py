# RUAS-TPAMI Table V, MIT row "RUAS" (PSNR 20.830 / SSIM 0.854 / LPIPS 0.141): RUAS (IEM +
# NRM) trained without ground truth on the 500 MIT-Adobe 5K search/training inputs with
# the searched genotypes, tested on the 100 test pairs against expert C. Recipe:
# ../recipes/ruas_retrain.py; 20 epochs at batch 1 = 20 x 500 = 10,000 iterations.
#   python tools/dataset_converters/make_split.py mit5k data/MIT-Adobe-5K
#   python tools/train.py work_dirs/ruas_search_mit5k/retrain_config.py   (searched genotypes)
#   python tools/test.py <the config> work_dirs/<run>/iter_10000.pth
_base_ = ['../recipes/ruas_retrain.py', '../../_base_/datasets/mit5k.py']

epochs = 20
num_train = 500                      # RUAS-TPAMI §6.1: 500 under-exposed images
max_iters = epochs * num_train       # batch 1
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
