"""The tiny segmentor of the ACDC tests: mmseg's DeepLab-v3+ shape with ResNet-18 V1c at
width 8, the pipeline of its tiny ACDC tree (the conftest fixture ``acdc``), and a Runner
config that trains on it (``runner_cfg``)."""
from __future__ import annotations

from pathlib import Path

from mmengine.config import Config

BN = dict(type='BN', requires_grad=True)


PIPELINE = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
            dict(type='PackSegInputs')]


SIZE = (48, 64)   # fixture images (h, w)


def tiny(model: dict) -> dict:
    """A segmentor config of mmseg's DeepLab-v3+ shape with ResNet-18 V1c at width 8."""
    model.pretrained = None
    model.init_cfg = None   # the configs start from a trained DeepLab-v3+ file (RUAS-TPAMI §7.2)
    model.backbone.update(depth=18, base_channels=8, stem_channels=8, norm_cfg=BN)
    model.decode_head.update(in_channels=64, channels=16, c1_in_channels=8, c1_channels=8,
                             norm_cfg=BN)
    model.auxiliary_head.update(in_channels=32, channels=8, norm_cfg=BN)
    model.data_preprocessor.size = SIZE
    if 'scene_checkpoint' in model.data_preprocessor:
        model.data_preprocessor.scene_checkpoint = None
    return model


def runner_cfg(cfg: Config, root: str, work_dir: Path, iters: int) -> Config:
    """Train ``iters`` iterations on the tiny ACDC tree, no validation, no checkpoints."""
    cfg.work_dir = str(work_dir)
    cfg.train_dataloader.update(batch_size=cfg.train_dataloader.get('batch_size', 2),
                                num_workers=0, persistent_workers=False)
    cfg.train_dataloader.dataset = dict(type='ACDCDataset', data_root=root, split='train',
                                        pipeline=PIPELINE)
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=iters, val_interval=iters + 1)
    for k in ('val_dataloader', 'val_evaluator', 'val_cfg', 'test_dataloader',
              'test_evaluator', 'test_cfg'):
        cfg[k] = None
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=iters + 1)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.default_hooks.visualization = dict(type='SegVisualizationHook', draw=False)
    cfg.env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend='gloo'))
    cfg.log_level = 'WARNING'
    return cfg
