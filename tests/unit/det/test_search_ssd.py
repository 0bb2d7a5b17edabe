"""Searchable SSD neck and head (RUAS-TPAMI §4.1/§7, docs/method.md#task-edges)."""
import os.path as osp
import re

import pytest
import torch
import torch.nn.functional as F
from mmdet.models.dense_heads import SSDHead
from mmdet.models.necks import SSDNeck
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmengine.config import Config, ConfigDict
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData
from torch import nn

import mmruas  # noqa: F401  (registers the neck and head)
from mmruas.det.models.heads import SearchSSDHead
from mmruas.det.models.necks import SearchSSDNeck
from mmruas.models.search_groups import task_genotype_cfg, task_search_groups
from mmruas.search_space import (
    TASK_OPS,
    EdgeList,
    FittedConvOp,
    FittedMixedOp,
    derive_genotypes,
    genotype_overrides,
    task_edge,
)
from mmruas.search_space.genotype import DET_CLS_DARKFACE, DET_EXTRAS_DARKFACE, DET_REG_DARKFACE
from mmruas.search_space.mixed_op import is_arch_param
from mmruas.search_space.task_edges import conv_geometry
from tests.helpers import REPO_DIR as REPO

torch.set_num_threads(1)

NECK = dict(in_channels=(512, 1024), out_channels=(512, 1024, 512, 256, 256, 256),
            level_strides=(2, 2, 1, 1), level_paddings=(1, 1, 0, 0), l2_norm_scale=20)
SIZES = (38, 19, 10, 5, 3, 1)
ANCHORS = dict(type='SSDAnchorGenerator', scale_major=False, input_size=300,
               basesize_ratio_range=(0.15, 0.9), strides=[8, 16, 32, 64, 100, 300],
               ratios=[[2], [2, 3], [2, 3], [2, 3], [2], [2]])
CODER = dict(type='DeltaXYWHBBoxCoder', target_means=[0.] * 4, target_stds=[.1, .1, .2, .2])
TEST_CFG = ConfigDict(nms_pre=1000, nms=dict(type='nms', iou_threshold=0.45), min_bbox_size=0,
                      score_thr=0.02, max_per_img=200)
TRAIN_CFG = ConfigDict(
    assigner=dict(type='MaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.5, min_pos_iou=0.,
                  ignore_iof_thr=-1, gt_max_assign_all=False),
    sampler=dict(type='PseudoSampler'), smoothl1_beta=1., allowed_border=-1, pos_weight=-1,
    neg_pos_ratio=3, debug=False)


def _head_cfg(in_channels=NECK['out_channels'], num_classes=12, **kw):
    return dict(in_channels=in_channels, num_classes=num_classes, anchor_generator=ANCHORS,
                bbox_coder=CODER, test_cfg=TEST_CFG, **kw)


def _vgg_feats():
    return [torch.randn(1, 512, 38, 38), torch.randn(1, 1024, 19, 19)]


def _img_meta(n=300):
    return DetDataSample(metainfo=dict(img_shape=(n, n), ori_shape=(n, n), pad_shape=(n, n),
                                       scale_factor=(1., 1.)))


# ---------------------------------------------------------------- fitted operations
@pytest.mark.parametrize('stride,ref_k,ref_p,size', [(2, 3, 1, 19), (2, 3, 1, 10), (1, 3, 0, 5),
                                                     (1, 3, 0, 3), (1, 4, 1, 2), (1, 1, 0, 7)])
def test_every_task_op_gives_the_reference_conv_shape(stride, ref_k, ref_p, size):
    x = torch.randn(1, 4, size, size)
    ref = nn.Conv2d(4, 6, ref_k, stride, ref_p)(x)
    for name in TASK_OPS:
        assert FittedConvOp(name, 4, 6, stride, ref_k, ref_p)(x).shape == ref.shape, name


def test_fitted_conv3x3_and_1x1_on_a_valid_conv():
    torch.manual_seed(0)
    x = torch.randn(1, 3, 5, 5)
    op = FittedConvOp('conv_3x3', 3, 4, 1, 3, 0)
    assert op.pad is None and op.op.padding == (0, 0)
    one = FittedConvOp('conv_1x1', 3, 4, 1, 3, 0)     # crops the border: the centre tap
    assert one.pad == (-1, -1, -1, -1)
    assert torch.allclose(one(x), F.conv2d(x[..., 1:-1, 1:-1], one.op.weight, one.op.bias))
    assert conv_geometry('dilconv_3x3_d6') == (3, 6) and conv_geometry('5-2-DC') == (5, 2)
    with pytest.raises(ValueError, match='plain convolution'):
        FittedConvOp('resconv_3x3', 3, 3)


def test_mixed_op_output_is_the_softmax_weighted_sum_of_candidates():
    torch.manual_seed(0)
    op = FittedMixedOp(TASK_OPS, 8, 12, stride=2, ref_kernel=3, ref_padding=1)
    with torch.no_grad():
        op.arch_alpha.copy_(torch.randn(len(TASK_OPS)))
    x = torch.randn(2, 8, 10, 10)
    w = torch.softmax(op.arch_alpha, 0)
    expected = sum(wi * cand(x) for wi, cand in zip(w, op.ops))
    out = op(x)
    assert out.shape == (2, 12, 5, 5)
    assert torch.allclose(out, expected, atol=1e-6)
    assert op.derive() == TASK_OPS[int(op.arch_alpha.argmax())]


# ---------------------------------------------------------------- neck
def test_fixed_conv3x3_neck_is_stock_ssd_neck():
    torch.manual_seed(0)
    stock, ours = SSDNeck(**NECK), SearchSSDNeck(genotype=['conv_3x3'] * 4, **NECK)
    stock.init_weights()
    sd = {k.replace('.1.conv.', '.1.conv.op.'): v for k, v in stock.state_dict().items()}
    assert sorted(sd) == sorted(ours.state_dict())
    ours.load_state_dict(sd)
    feats = _vgg_feats()
    a, b = stock(feats), ours(feats)
    assert [tuple(t.shape) for t in b] == [(1, c, s, s) for c, s in
                                           zip(NECK['out_channels'], SIZES)]
    assert all(torch.equal(x, y) for x, y in zip(a, b))


def test_searchable_neck_alphas_shapes_and_genotype():
    torch.manual_seed(0)
    neck = MODELS.build(dict(type='SearchSSDNeck', **NECK))
    assert neck.searchable and neck.candidates == TASK_OPS
    alphas = [n for n, _ in neck.named_parameters() if is_arch_param(n)]
    assert alphas == [f'extra_layers.{i}.1.conv.arch_alpha' for i in range(4)]
    assert neck.arch_alphas().shape == (4, 10)
    out = neck(_vgg_feats())
    assert [t.shape[-1] for t in out] == list(SIZES)
    assert [t.shape[1] for t in out] == list(NECK['out_channels'])
    with torch.no_grad():
        for edge, op in zip(neck.edges(), DET_EXTRAS_DARKFACE):
            edge.arch_alpha.zero_()
            edge.arch_alpha[TASK_OPS.index(op)] = 1.
    assert derive_genotypes(nn.ModuleDict(dict(neck=neck))) == {'neck': DET_EXTRAS_DARKFACE}


def test_published_extras_genotype_and_search_reduce():
    neck = SearchSSDNeck(genotype='DET_EXTRAS_DARKFACE', **NECK)
    assert not neck.searchable and not any(is_arch_param(n) for n, _ in
                                           neck.named_parameters())
    convs = [e.op for e in neck.edges()]
    assert [c.kernel_size[0] for c in convs] == [7, 7, 7, 3]
    assert [c.stride[0] for c in convs] == [2, 2, 1, 1]
    assert [t.shape[-1] for t in neck(_vgg_feats())] == list(SIZES)
    with pytest.raises(RuntimeError, match='fixed'):
        neck.derive_genotype()
    # the released S3FD-style layout: two (1x1 reduce, stride-2) pairs, all four searched
    s3fd = dict(in_channels=(512, 1024), out_channels=(512, 1024, 512, 256),
                level_strides=(2, 2), level_paddings=(1, 1))
    fixed = SearchSSDNeck(genotype=DET_EXTRAS_DARKFACE, search_reduce=True, **s3fd)
    assert [(e.op.kernel_size[0], e.op.stride[0]) for e in fixed.edges()] == [
        (7, 1), (7, 2), (7, 1), (3, 2)]
    assert [t.shape[-1] for t in fixed(_vgg_feats())] == [38, 19, 10, 5]
    searchable = SearchSSDNeck(search_reduce=True, **s3fd)
    assert searchable.arch_alphas().shape == (4, 10)
    with pytest.raises(ValueError, match='needs 4 operations'):
        SearchSSDNeck(genotype=['conv_3x3'] * 3, **NECK)


# ---------------------------------------------------------------- head
def test_fixed_conv3x3_head_is_stock_ssd_head():
    torch.manual_seed(0)
    stock = SSDHead(**_head_cfg())
    stock.init_weights()
    ours = SearchSSDHead(reg_genotype=['conv_3x3'] * 6, cls_genotype=['conv_3x3'] * 6,
                         **_head_cfg())
    sd = {re.sub(r'(convs\.\d+)\.0\.', r'\1.op.', k): v for k, v in stock.state_dict().items()}
    ours.load_state_dict(sd)
    feats = [torch.randn(1, c, s, s) for c, s in zip(NECK['out_channels'], SIZES)]
    (c0, r0), (c1, r1) = stock(feats), ours(feats)
    assert all(torch.equal(x, y) for x, y in zip(c0 + r0, c1 + r1))
    assert [tuple(t.shape) for t in c1] == [(1, a * 13, s, s) for a, s in
                                            zip((4, 6, 6, 6, 4, 4), SIZES)]
    preds = ours.predict(feats, [_img_meta()])   # stock SSDHead fails here (no loss_cls)
    assert preds[0].bboxes.shape[1] == 4
    assert len(preds[0].bboxes) == len(preds[0].scores) == len(preds[0].labels) > 0
    assert int(preds[0].labels.max()) < 12


def test_published_head_genotypes_build_the_stated_ops():
    head = SearchSSDHead(reg_genotype='DET_REG_DARKFACE', cls_genotype='DET_CLS_DARKFACE',
                         **_head_cfg())
    for convs, geno in ((head.reg_convs, DET_REG_DARKFACE), (head.cls_convs, DET_CLS_DARKFACE)):
        assert not convs.searchable
        assert [(e.op.kernel_size[0], e.op.dilation[0]) for e in convs] == [
            conv_geometry(o) for o in geno]
    assert [(e.op.kernel_size[0], e.op.dilation[0]) for e in head.reg_convs] == [
        (7, 1), (3, 2), (3, 2), (3, 2), (3, 2), (3, 1)]
    assert [(e.op.kernel_size[0], e.op.dilation[0]) for e in head.cls_convs] == [
        (3, 2), (7, 1), (7, 1), (5, 1), (5, 2), (7, 1)]
    assert [e.op.out_channels for e in head.cls_convs] == [a * 13 for a in (4, 6, 6, 6, 4, 4)]
    assert [e.op.out_channels for e in head.reg_convs] == [a * 4 for a in (4, 6, 6, 6, 4, 4)]
    assert not any(is_arch_param(n) for n, _ in head.named_parameters())
    with pytest.raises(ValueError, match='needs 6 operations'):
        SearchSSDHead(reg_genotype=['conv_3x3'] * 5, **_head_cfg())
    with pytest.raises(ValueError, match='stacked_convs'):
        SearchSSDHead(stacked_convs=1, **_head_cfg())


# ---------------------------------------------------------------- detector
@MODELS.register_module(name='_TinySSDBackbone', force=True)
class TinyBackbone(nn.Module):
    """Stride 8 and 16 features (38×38, 19×19 at 300×300) with few channels."""

    def __init__(self, channels=(8, 16)) -> None:
        super().__init__()
        c0, c1 = channels
        self.stem = nn.Sequential(nn.Conv2d(3, 4, 3, 2, 1), nn.ReLU(),
                                  nn.Conv2d(4, 8, 3, 2, 1), nn.ReLU(),
                                  nn.Conv2d(8, c0, 3, 2, 1), nn.ReLU())
        self.down = nn.Sequential(nn.Conv2d(c0, c1, 3, 2, 1), nn.ReLU())

    def forward(self, x):
        a = self.stem(x)
        return a, self.down(a)


def _tiny_detector(**genotypes):
    chans = (8, 16, 16, 8, 8, 8)
    cfg = dict(
        type='SingleStageDetector',
        data_preprocessor=dict(type='DetDataPreprocessor', mean=[123.675, 116.28, 103.53],
                               std=[58.4, 57.1, 57.4], bgr_to_rgb=True),
        backbone=dict(type='_TinySSDBackbone'),
        neck=dict(type='SearchSSDNeck', in_channels=chans[:2], out_channels=chans,
                  level_strides=(2, 2, 1, 1), level_paddings=(1, 1, 0, 0), l2_norm_scale=20,
                  genotype=genotypes.get('neck')),
        bbox_head=dict(type='SearchSSDHead', **_head_cfg(chans, num_classes=3),
                       reg_genotype=genotypes.get('reg'), cls_genotype=genotypes.get('cls')),
        train_cfg=TRAIN_CFG, test_cfg=TEST_CFG)
    init_default_scope('mmdet')
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def _batch():
    sample = _img_meta()
    # one square box per anchor scale (21, 45, 99, 153, 207, 261 px), so that every level
    # has positive anchors and every α gets a gradient
    half = torch.tensor([21., 45., 99., 153., 207., 261.])[:, None] / 2
    sample.gt_instances = InstanceData(bboxes=torch.cat([150 - half, 150 - half, 150 + half,
                                                         150 + half], 1),
                                       labels=torch.tensor([0, 1, 2, 0, 1, 2]))
    return dict(inputs=[torch.randint(0, 256, (3, 300, 300), dtype=torch.uint8)],
                data_samples=[sample])


def test_searchable_detector_train_step_predict_and_groups():
    torch.manual_seed(0)
    model = _tiny_detector()
    names = [n for n, _ in model.named_parameters() if is_arch_param(n)]
    assert len(names) == 4 + 6 + 6
    assert sum(n.startswith('bbox_head.reg_convs.') for n in names) == 6
    assert sum(n.startswith('bbox_head.cls_convs.') for n in names) == 6
    for convs in (model.bbox_head.reg_convs, model.bbox_head.cls_convs):
        assert convs.searchable and convs.candidates == TASK_OPS
        assert convs.arch_alphas().shape == (6, 10)
    groups = task_search_groups(model)
    assert groups['scene_w'] == [] and groups['scene_alpha'] == []
    assert len(groups['task_alpha']) == 16
    ids = [id(p) for g in groups.values() for p in g]
    assert len(ids) == len(set(ids)) == len(list(model.parameters()))

    data = model.data_preprocessor(_batch(), training=True)
    losses = model.loss(data['inputs'], data['data_samples'])
    total = sum(sum(v) if isinstance(v, list) else v for v in losses.values())
    assert torch.isfinite(total)
    total.backward()
    for p in groups['task_alpha']:
        assert p.grad is not None and torch.isfinite(p.grad).all()
        assert p.grad.abs().sum() > 0

    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(_batch(), training=False)
        out = model.predict(data['inputs'], data['data_samples'])
    pred = out[0].pred_instances
    assert pred.bboxes.shape == (len(pred.scores), 4) and len(pred.labels) == len(pred.scores)

    genos = derive_genotypes(model)
    assert sorted(genos) == ['bbox_head.cls_convs', 'bbox_head.reg_convs', 'neck']
    assert [len(genos[k]) for k in sorted(genos)] == [6, 6, 4]
    cfg = task_genotype_cfg(model)
    assert cfg == dict(neck=dict(genotype=genos['neck'].to_list()),
                       bbox_head=dict(reg_genotype=genos['bbox_head.reg_convs'].to_list(),
                                      cls_genotype=genos['bbox_head.cls_convs'].to_list()))
    # the keys are the ones the neck and head declare, wherever the detector sits
    outer = nn.Module()
    outer.detector = model
    assert genotype_overrides(outer) == dict(detector=cfg)
    # a searchable unit no module declares would lose its genotype: refused
    outer.extra = EdgeList([task_edge(None, 4, 4)], searchable=True)
    with pytest.raises(ValueError, match=r"\['extra'\] have no config key"):
        genotype_overrides(outer)
    fixed = _tiny_detector(neck=cfg['neck']['genotype'], reg=cfg['bbox_head']['reg_genotype'],
                           cls=cfg['bbox_head']['cls_genotype'])
    assert not derive_genotypes(fixed)
    assert not task_search_groups(fixed)['task_alpha']


def test_base_config_builds_the_published_ssd300():
    cfg = Config.fromfile(osp.join(REPO, 'configs/_base_/models/ruas_ssd300.py'))
    assert cfg.default_scope == 'mmdet' and cfg.custom_imports.imports == ['mmruas']
    assert cfg.model.backbone.init_cfg is None and cfg.vgg16_checkpoint is None
    init_default_scope('mmdet')
    model = MODELS.build(cfg.model)
    assert isinstance(model.neck, SearchSSDNeck) and isinstance(model.bbox_head, SearchSSDHead)
    assert model.neck.genotype == DET_EXTRAS_DARKFACE
    assert model.bbox_head.reg_genotype == DET_REG_DARKFACE
    assert model.bbox_head.cls_genotype == DET_CLS_DARKFACE
    assert not derive_genotypes(model)
    feats = model.neck(_vgg_feats())
    cls_scores, bbox_preds = model.bbox_head(feats)
    assert [t.shape[-1] for t in cls_scores] == list(SIZES)
    assert [t.shape[1] for t in bbox_preds] == [a * 4 for a in (4, 6, 6, 6, 4, 4)]
