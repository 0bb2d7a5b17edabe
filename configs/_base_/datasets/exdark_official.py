# ExDark with its official imageclasslist split (train 3,000 / val 1,800 / test 2,563 images),
# an option beside RUAS-TPAMI §7.1's random 5,200 / 1,200 split (./exdark_ruas_split.py, the
# default of configs/ruas_ssd_exdark*): put this file in place of that one in a config's
# _base_ (a search on it: search_set_size = 3000). The same as ./exdark.py, under the name
# that says which split it is.
_base_ = ['./exdark.py']
