# RUAS-TPAMI Table III "3-RC" (PSNR / SSIM / size M / FLOPs G / time s: 19.307 / 0.810 / 0.010 / 2.309 / 0.010):
# a heuristically fixed RUAS whose every cell edge, IEM and NRM, is 3-RC (Table I), trained
# and tested as the searched RUAS of ./ruas_mit5k.py (its losses, optimisers, 10,000
# iterations; the paper gives no other recipe for these networks: our choice).
#   python tools/train.py configs/ruas_enhance/mit5k/ruas_mit5k_op_3rc.py
_base_ = ['./ruas_mit5k.py']

op = '3-RC'
model = dict(scene=dict(iem=dict(genotype=[op] * 7), nrm=dict(genotype=[op] * 7)))
