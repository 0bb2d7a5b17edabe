# Hierarchical strategy, stage 1 (RUAS-TPAMI §3.2) of configs/ruas_ssd_darkface.py: the RUAS
# scene module alone (RUAS_S, DET_SCENE_DARKFACE) trained without labels on the 5,000 DARK FACE
# training images (train.txt) with ℓs of eq. 5, on 640 x 640 crops; the same training as
# configs/ruas_dsfd_darkface/ruas_dsfd_darkface_stage1.py, in this detector's work dir.
#   python tools/train.py configs/ruas_ssd_darkface/ruas_ssd_darkface_stage1.py
# writes work_dirs/ruas_ssd_darkface_stage1/iter_6000.pth, the main config's scene_checkpoint.
_base_ = ['../ruas_dsfd_darkface/ruas_dsfd_darkface_stage1.py']

work_dir = './work_dirs/ruas_ssd_darkface_stage1'
