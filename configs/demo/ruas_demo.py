# `make demo-enhance`: RUAS_S (the IEM, released genotype) trained from scratch without ground
# truth on a small low-light set that tools/demo_enhance.py synthesises from photographs shipped
# with scikit-image (mmruas.datasets.transforms.low_light). data_root is set by the tool.
# RUAS_S keeps the demo to a few CPU minutes; the IEM trains on the papers' ℓs
# (RUAS-TPAMI eq. 5, η 0.1) of configs/_base_/models/ruas_a.py.
_base_ = ['../_base_/models/ruas_a.py', '../_base_/datasets/lol.py',
          '../_base_/schedules/enhance_adam.py', '../_base_/default_runtime.py']

model = dict(scene=dict(variant='RUAS_S'))
data_root = 'work_dirs/demo_enhance/data'
# LOL's pipelines (_base_/datasets/lol.py) with 128 x 128 crops; training on the low images
# of <data_root>/train/low alone, testing on the pairs of <data_root>/test
train_pipeline = [dict(t, crop_size=(128, 128)) if t.type == 'PairedRandomCrop' else t
                  for t in _base_.train_pipeline]
train_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(_delete_=True, type='UnpairedFolderDataset', data_root=data_root + '/train/low',
                 pipeline=train_pipeline))
val_dataloader = dict(num_workers=0, persistent_workers=False,
                      dataset=dict(data_root=data_root + '/test', split=None))
test_dataloader = val_dataloader

train_cfg = dict(type='IterBasedTrainLoop', max_iters=1200, val_interval=1200)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(logger=dict(interval=100),
                     checkpoint=dict(interval=1200, max_keep_ckpts=1))
