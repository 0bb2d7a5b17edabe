# RUAS-TPAMI Table II, K = 1 (PSNR / SSIM / LPIPS 13.013 / 0.772 / 0.205): the scene module with
# K = 1 unrolled stages (§6.2, "Analyzing the iteration number"), trained and tested as
# ./ruas_s_mit5k.py (Table II's K = 3 figures are Table V's RUAS_S on MIT, so the table is
# read as RUAS_S's; the paper does not say whether the cell is searched again per K: here
# every K uses the one searched IEM genotype, our choice).
#   python tools/train.py configs/ruas_enhance/mit5k/ruas_s_mit5k_k1.py
_base_ = ['./ruas_s_mit5k.py']

model = dict(scene=dict(iem=dict(num_stages=1)))
