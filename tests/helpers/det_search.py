"""The tiny detection search of the cooperative-search tests: an SSD with a stand-in backbone
(registered as ``_TinyDetSearchBackbone``), the RUAS_S scene in its preprocessor, searchable
neck and head; batches with a box per anchor scale; ℓs and the detection loss by hand."""
from __future__ import annotations

import copy
import logging

import torch
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmengine.logging import MMLogger
from mmengine.structures import InstanceData
from torch import nn

import mmruas  # noqa: F401  (registers the models)
from mmruas.losses import SceneLoss
from mmruas.models import SceneTaskSearchModel
from mmruas.models.scene_task_model import scene_loss_of

SIZE = 64
CHANS = (8, 16, 16, 8)   # two backbone levels (stride 8, 16) and two extra levels (32, 64)
ANCHORS = dict(type='SSDAnchorGenerator', scale_major=False, input_size=SIZE,
               strides=[8, 16, 32, 64], ratios=[[2]] * 4, min_sizes=[8, 16, 32, 48],
               max_sizes=[16, 32, 48, 64])
TRAIN_CFG = dict(assigner=dict(type='MaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.5,
                               min_pos_iou=0., ignore_iof_thr=-1, gt_max_assign_all=False),
                 sampler=dict(type='PseudoSampler'), smoothl1_beta=1., allowed_border=-1,
                 pos_weight=-1, neg_pos_ratio=3, debug=False)
TEST_CFG = dict(nms_pre=100, nms=dict(type='nms', iou_threshold=0.45), min_bbox_size=0,
                score_thr=0.02, max_per_img=20)


@MODELS.register_module(name='_TinyDetSearchBackbone', force=True)
class TinyBackbone(nn.Module):
    """Stride-8 and stride-16 features with few channels (a stand-in for VGG16)."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 4, 3, 2, 1), nn.ReLU(),
                                  nn.Conv2d(4, 8, 3, 2, 1), nn.ReLU(),
                                  nn.Conv2d(8, CHANS[0], 3, 2, 1), nn.ReLU())
        self.down = nn.Sequential(nn.Conv2d(CHANS[0], CHANS[1], 3, 2, 1), nn.ReLU())

    def forward(self, x):
        a = self.stem(x)
        return a, self.down(a)


def detector_cfg(scene_geno=None, neck=None, reg=None, cls=None) -> dict:
    """A tiny SSD with the RUAS_S scene in its preprocessor; ``None`` genotypes: searchable."""
    return dict(
        type='SingleStageDetector',
        data_preprocessor=dict(
            type='RUASDetDataPreprocessor', mean=[123.675, 116.28, 103.53],
            std=[58.4, 57.1, 57.4], bgr_to_rgb=True,
            scene=dict(type='RUAS', variant='RUAS_S', iem=dict(genotype=scene_geno))),
        backbone=dict(type='_TinyDetSearchBackbone'),
        neck=dict(type='SearchSSDNeck', in_channels=CHANS[:2], out_channels=CHANS,
                  level_strides=(2, 2), level_paddings=(1, 1), l2_norm_scale=20, genotype=neck),
        bbox_head=dict(type='SearchSSDHead', in_channels=CHANS, num_classes=12,
                       anchor_generator=ANCHORS, reg_genotype=reg, cls_genotype=cls,
                       bbox_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[0.] * 4,
                                       target_stds=[.1, .1, .2, .2])),
        train_cfg=TRAIN_CFG, test_cfg=TEST_CFG)


def search_model(**kw) -> SceneTaskSearchModel:
    torch.manual_seed(0)
    model = MODELS.build(dict(type='SceneTaskSearchModel', task=detector_cfg(), **kw))
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)   # one info line per initialised tensor otherwise
    try:
        model.init_weights()
    finally:
        logger.setLevel(level)
    return model.train()


def det_batch(seed: int, n: int = 1) -> dict:
    """Dark uint8 BGR images with one box per anchor scale (every level has positives)."""
    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for _ in range(n):
        inputs.append(torch.randint(0, 60, (3, SIZE, SIZE), generator=g, dtype=torch.uint8))
        s = DetDataSample(metainfo=dict(img_shape=(SIZE, SIZE), ori_shape=(SIZE, SIZE),
                                        scale_factor=(1.0, 1.0)))
        half = torch.tensor([6., 12., 20., 28.])[:, None]
        c = 32 + torch.randint(-3, 4, (4, 1), generator=g).float()
        s.gt_instances = InstanceData(bboxes=torch.cat([c - half, c - half, c + half,
                                                        c + half], 1),
                                      labels=torch.randint(0, 12, (4,), generator=g))
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)


def scene_loss(model, batch) -> torch.Tensor:
    """ℓs by hand: the scene on the batch, SceneLoss on its tᴷ."""
    _, outs = model.data_preprocessor.run_scene(batch['inputs'], batch['data_samples'])
    return scene_loss_of(outs, SceneLoss())


def det_loss(model, batch, detach_scene=False) -> torch.Tensor:
    """The detection loss by hand: preprocessor (scene) then the detector's loss terms."""
    data = model.data_preprocessor(copy.deepcopy(batch), training=True)
    inputs = data['inputs'].detach() if detach_scene else data['inputs']
    losses = model.task.loss(inputs, data['data_samples'])
    return sum(sum(v) if isinstance(v, list) else v for v in losses.values())
