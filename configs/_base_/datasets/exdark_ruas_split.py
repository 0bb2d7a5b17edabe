# ExDark with RUAS-TPAMI §7.1's protocol: a random 5,200 images for the search and the
# training, 1,200 others for the test (the paper keeps no separate validation set: the test
# images validate). The split is ours to fix: seeded (seed 0) and written once as two name
# lists under data_root, one name a line:
#   python tools/dataset_converters/make_split.py exdark data/ExDark
# (mmruas.det.datasets.write_exdark_split(data_root, [.../ruas_train.txt, .../ruas_test.txt]),
# sizes (5200, 1200), seed 0). ExDark's official imageclasslist split (train 3,000 / val
# 1,800 / test 2,563) stays in ./exdark.py, which this file inherits (pipelines, metric).
_base_ = ['./exdark.py']

train_list = 'ruas_train.txt'   # 5,200 images: search set and training set
test_list = 'ruas_test.txt'     # 1,200 images: test (and validation) set
train_dataloader = dict(dataset=dict(ann_file=train_list, split=None))
val_dataloader = dict(dataset=dict(ann_file=test_list, split=None))
test_dataloader = dict(dataset=dict(ann_file=test_list, split=None))
