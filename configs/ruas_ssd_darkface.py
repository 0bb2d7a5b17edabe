# The main config's usual path (README, design card): it is configs/ruas_ssd_darkface/ruas_ssd_darkface.py, with the
# search, stage 1 and comparison configs beside it.
_base_ = ['./ruas_ssd_darkface/ruas_ssd_darkface.py']
