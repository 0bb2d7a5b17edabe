# LOL-v2 Real_captured with a seeded random 689 / 100 split of its 789 pairs (RUAS-TPAMI
# §6.1 samples the 100 test pairs at random) instead of the official Train / Test folders:
#   python tools/dataset_converters/make_split.py lolv2 data/LOL-v2/Real_captured --seed 0
# writes ruas_random_train.txt / ruas_random_test.txt (low-image paths relative to the
# root, drawn from both folders) and lolv2_split.json (seed, sizes) under the root.
_base_ = ['./lolv2.py']

train_list = 'ruas_random_train.txt'   # 689 pairs: search and training (low images only)
test_list = 'ruas_random_test.txt'     # 100 pairs: evaluation
train_dataloader = dict(dataset=dict(split=None, ann_file=train_list))
val_dataloader = dict(dataset=dict(split=None, ann_file=test_list))
test_dataloader = val_dataloader
