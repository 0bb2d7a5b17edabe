# RUAS-TPAMI Table III "1-RC" (PSNR / SSIM / size M / FLOPs G / time s: 19.151 / 0.823 / 0.002 / 0.495 / 0.012):
# a heuristically fixed RUAS whose every cell edge, IEM and NRM, is 1-RC (Table I), trained
# and tested as the searched RUAS of ./ruas_mit5k.py (its losses, optimisers, 10,000
# iterations; the paper gives no other recipe for these networks: our choice).
#   python tools/train.py configs/ruas_enhance/mit5k/ruas_mit5k_op_1rc.py
_base_ = ['./ruas_mit5k.py']

op = '1-RC'
model = dict(scene=dict(iem=dict(genotype=[op] * 7), nrm=dict(genotype=[op] * 7)))
