# SID, Sony subset (Chen et al. 2018), as distributed (docs/method.md#data-set-layouts): data_root
# holds Sony/{short,long}/*.ARW and Sony_{train,val,test}_list.txt. Inputs: packed RAW (RGGB,
# black level subtracted, /white level, × exposure ratio from the names, capped at 300);
# targets: the long exposure processed by LibRaw (raw_packing.GT_POSTPROCESS). Crops 512.
dataset_type = 'SIDDataset'
data_root = 'data/SID'

train_pipeline = [
    dict(type='LoadPackedRaw'),
    dict(type='LoadRawGt'),
    dict(type='PackedRawRandomCrop', crop_size=(512, 512), flip=True),
    dict(type='PackRawInputs'),
]
test_pipeline = [
    dict(type='LoadPackedRaw'),
    dict(type='LoadRawGt'),
    dict(type='PackRawInputs'),
]
train_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, ann_file='Sony_train_list.txt',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, ann_file='Sony_val_list.txt',
                 pipeline=test_pipeline))
test_dataloader = dict(val_dataloader,
                       dataset=dict(val_dataloader['dataset'], ann_file='Sony_test_list.txt'))
val_evaluator = [dict(type='PSNR'), dict(type='SSIM')]
test_evaluator = val_evaluator
