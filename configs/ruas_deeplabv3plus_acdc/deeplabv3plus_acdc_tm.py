# The task module alone on ACDC night: the trained DeepLab-v3+ (§7.2's start) fine-tuned with
# mmseg's plain SegDataPreProcessor (same mean, std, crop), no scene module. It is RUAS-TPAMI
# Table XI's "DeepLab-v3+" row (mIoU 46.1 over 17 classes) and the segmentor of its comparison
# rows ("we retrained the segmentation model on the enhanced results", Table XI's caption;
# likewise BGL Table 2): enhance the ACDC tree with the other method, then train and test this
# config on it (docs/reproduce.md#comparison-rows):
#   python tools/enhance.py ENH_CONFIG ENH_CKPT data/ACDC work_dirs/enhanced/ACDC --keep-tree
#   python tools/train.py configs/ruas_deeplabv3plus_acdc/deeplabv3plus_acdc_tm.py --cfg-options \
#     train_dataloader.dataset.enhanced_root=work_dirs/enhanced/ACDC \
#     val_dataloader.dataset.enhanced_root=work_dirs/enhanced/ACDC \
#     test_dataloader.dataset.enhanced_root=work_dirs/enhanced/ACDC
# Schedule, data, split and evaluator (19- and 17-class mIoU): configs/ruas_deeplabv3plus_acdc.py's.
_base_ = ['./ruas_deeplabv3plus_acdc.py']

model = dict(data_preprocessor=dict(
    _delete_=True, type='SegDataPreProcessor', mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375], bgr_to_rgb=True, pad_val=0, seg_pad_val=255, size=(512, 1024)))
optim_wrapper = dict(paramwise_cfg=dict(_delete_=True))   # no scene to slow down
