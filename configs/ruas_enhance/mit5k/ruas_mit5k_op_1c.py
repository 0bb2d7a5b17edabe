# RUAS-TPAMI Table III "1-C" (PSNR / SSIM / size M / FLOPs G / time s: 18.829 / 0.816 / 0.002 / 0.495 / 0.009):
# a heuristically fixed RUAS whose every cell edge, IEM and NRM, is 1-C (Table I), trained
# and tested as the searched RUAS of ./ruas_mit5k.py (its losses, optimisers, 10,000
# iterations; the paper gives no other recipe for these networks: our choice).
#   python tools/train.py configs/ruas_enhance/mit5k/ruas_mit5k_op_1c.py
_base_ = ['./ruas_mit5k.py']

op = '1-C'
model = dict(scene=dict(iem=dict(genotype=[op] * 7), nrm=dict(genotype=[op] * 7)))
