"""The tiny DSFD-style detector of the DARK FACE tests: a narrow stand-in backbone
(registered as ``_TinyDSFDBackbone``), FEM neck and DSFD head configs, and ``tiny`` to shrink
a DARK FACE config's widths in place."""
from __future__ import annotations

from mmdet.registry import MODELS
from mmengine.config import ConfigDict
from torch import nn

import mmruas  # noqa: F401  (registers the models)

CH = (8, 8, 8, 16)            # tiny stand-ins for conv3_3, conv4_3, conv5_3, fc7


EXTRA = (16, 16)


LEVELS = CH + EXTRA


STRIDES = [4, 8, 16, 32, 64, 128]


ANCHORS = dict(type='AnchorGenerator', strides=STRIDES, ratios=[1.5], scales=[1],
               base_sizes=[8, 12, 16, 24, 32, 48], centers=[(s / 2, s / 2) for s in STRIDES])


CODER = dict(type='DeltaXYWHBBoxCoder', target_means=[0.] * 4, target_stds=[.1, .1, .2, .2])


TRAIN_CFG = dict(assigner=dict(type='MaxIoUAssigner', pos_iou_thr=0.35, neg_iou_thr=0.35,
                               min_pos_iou=0., ignore_iof_thr=-1, gt_max_assign_all=False),
                 sampler=dict(type='PseudoSampler'), smoothl1_beta=1., allowed_border=-1,
                 pos_weight=-1, neg_pos_ratio=3, debug=False)


TEST_CFG = ConfigDict(nms_pre=500, nms=dict(type='nms', iou_threshold=0.3), min_bbox_size=0,
                score_thr=0.0, max_per_img=100)


@MODELS.register_module(name='_TinyDSFDBackbone', force=True)
class TinyBackbone(nn.Module):
    """Four maps at strides 4, 8, 16, 32 with few channels (a stand-in for DSFDVGG)."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 4, 3, 2, 1), nn.ReLU(),
                                  nn.Conv2d(4, CH[0], 3, 2, 1), nn.ReLU())
        self.downs = nn.ModuleList(nn.Sequential(nn.Conv2d(a, b, 3, 2, 1), nn.ReLU())
                                   for a, b in zip(CH[:-1], CH[1:]))

    def forward(self, x):
        outs = [self.stem(x)]
        for down in self.downs:
            outs.append(down(outs[-1]))
        return tuple(outs)


def neck_cfg(**kw) -> dict:
    return dict(type='SearchFEMNeck', in_channels=CH, extra_channels=EXTRA, **kw)


def head_cfg(**kw) -> dict:
    return dict(dict(type='DSFDHead', in_channels=LEVELS, num_classes=1,
                     anchor_generator=ANCHORS, bbox_coder=CODER, reg_genotype=['conv_3x3'] * 6,
                     cls_genotype=['conv_3x3'] * 6), **kw)


def detector_cfg(scene: bool = True, search: bool = False) -> dict:
    pp = dict(type='DetDataPreprocessor', mean=[123.675, 116.28, 103.53], std=[1, 1, 1],
              bgr_to_rgb=True)
    if scene:
        pp.update(type='RUASDetDataPreprocessor', scene=dict(
            type='RUAS', variant='RUAS_S',
            iem=dict(genotype=None if search else 'DET_SCENE_DARKFACE')))
    neck = neck_cfg(fem_genotype=None, extra_genotype=None) if search else neck_cfg()
    head = head_cfg(reg_genotype=None, cls_genotype=None) if search else head_cfg()
    return dict(type='SingleStageDetector', data_preprocessor=pp,
                backbone=dict(type='_TinyDSFDBackbone'), neck=neck, bbox_head=head,
                train_cfg=TRAIN_CFG, test_cfg=TEST_CFG)



def tiny(det: dict) -> None:
    """Tiny widths in place: the test backbone and narrow neck / head channels."""
    det['backbone'] = dict(type='_TinyDSFDBackbone')
    det['neck'].update(in_channels=CH, extra_channels=EXTRA)
    det['bbox_head'].update(in_channels=CH + EXTRA)
    if det['data_preprocessor'].get('scene_checkpoint'):
        det['data_preprocessor']['scene_checkpoint'] = None
