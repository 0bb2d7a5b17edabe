# RUAS_A with the authors' released genotypes and weights. Convert the weights first:
#   python tools/convert_released_ruas.py lol.pt work_dirs/ruas_a_lol_released.pth
#   python tools/test.py configs/ruas_enhance/ruas_a_released.py \
#       work_dirs/ruas_a_lol_released.pth --cfg-options test_dataloader.dataset.data_root=...
_base_ = [
    '../_base_/models/ruas_a.py', '../_base_/datasets/lol.py',
    '../_base_/schedules/unsupervised_3k.py', '../_base_/default_runtime.py'
]
