# RUAS-TPAMI Table III "Supernet" (PSNR 18.940, SSIM 0.819, size 0.038 M, FLOPs 9.113 G,
# time 0.136 s): RUAS (IEM + NRM, the variant whose size and FLOPs Table III's "RUAS" row
# repeats from Table V) with every edge of every cell the mixed operation over all seven
# candidates (Table I: 1-C, 3-C, 1-RC, 3-RC, 3-2-DC, 3-2-RDC, SC), never discretised
# (genotype=None). How the supernet is trained the paper does not say; our choice: as the
# searched RUAS (./ruas_mit5k.py: its losses, optimisers, 10,000 iterations), with the
# mixing weights α trained with the cell weights on the training loss by the same
# optimisers (one level; they start near uniform, std 1e-3). Compare with ./ruas_mit5k.py.
#   python tools/train.py configs/ruas_enhance/mit5k/ruas_mit5k_supernet.py
_base_ = ['./ruas_mit5k.py']

model = dict(scene=dict(iem=dict(genotype=None), nrm=dict(genotype=None)))
