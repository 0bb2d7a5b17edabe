# The main config's usual path (README, design card): it is configs/ruas_deeplabv3plus_acdc/ruas_deeplabv3plus_acdc.py, with the
# search, stage 1 and comparison configs beside it.
_base_ = ['./ruas_deeplabv3plus_acdc/ruas_deeplabv3plus_acdc.py']
