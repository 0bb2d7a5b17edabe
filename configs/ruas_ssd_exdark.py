# The main config's usual path (README, design card): it is configs/ruas_ssd_exdark/ruas_ssd_exdark.py, with the
# search, stage 1 and comparison configs beside it.
_base_ = ['./ruas_ssd_exdark/ruas_ssd_exdark.py']
