"""The tiny DSFD-style detector of the DARK FACE tests: a narrow stand-in backbone
(registered as ``_TinyDSFDBackbone``), FEM neck and DSFD head configs, and ``tiny`` to shrink
a DARK FACE config's widths in place."""
from __future__ import annotations

from pathlib import Path

import mmdet
import torch
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmdet.structures.mask import BitmapMasks
from mmengine.config import Config, ConfigDict
from mmengine.structures import InstanceData
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


MIM = Path(mmdet.__file__).parent / '.mim' / 'configs'


CHILD = """_base_ = 'mmdet::{base}'
custom_imports = dict(imports=['mmruas'], allow_failed_imports=False)
model = dict(
    backbone=dict(init_cfg=None),
    data_preprocessor=dict(type='RUASDetDataPreprocessor', scene={scene!r}))
"""


def child_config(tmp_path: Path, base: str, scene: dict) -> Config:
    path = tmp_path / 'child.py'
    path.write_text(CHILD.format(base=base, scene=scene))
    return Config.fromfile(str(path))


def det_batch(sizes: list[tuple[int, int]], seed: int = 0, masks: bool = False) -> dict:
    """Dark uint8 BGR images with two boxes each, as PackDetInputs would give them."""
    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for h, w in sizes:
        inputs.append(torch.randint(0, 50, (3, h, w), generator=g, dtype=torch.uint8))
        s = DetDataSample(metainfo=dict(img_shape=(h, w), ori_shape=(h, w),
                                        scale_factor=(1.0, 1.0)))
        s.gt_instances = InstanceData(
            bboxes=torch.tensor([[2.0, 3.0, 0.6 * w, 0.7 * h], [0.3 * w, 0.2 * h, w - 2, h - 3]]),
            labels=torch.tensor([1, 3]))
        if masks:
            s.gt_instances.masks = BitmapMasks(
                torch.randint(0, 2, (2, h, w), generator=g).numpy().astype('uint8'), h, w)
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)


def scene_of(model: nn.Module) -> nn.Module:
    return model.data_preprocessor.scene
