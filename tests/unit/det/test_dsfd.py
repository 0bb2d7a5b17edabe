"""DSFD-style face detector (docs/method.md#task-edges): S3FD/DSFD VGG-16, FEM neck with searchable
convs, dual-shot head with Progressive Anchor Loss; trained with the RUAS scene module in
its data preprocessor and searched by SceneTaskSearchModel."""
from __future__ import annotations

import copy
import logging

import pytest
import torch
import torch.nn.functional as F
from mmdet.models.backbones import SSDVGG
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmengine.dataset import pseudo_collate
from mmengine.logging import MMLogger
from mmengine.registry import DATASETS, init_default_scope
from mmengine.structures import InstanceData
from torch import nn

import mmruas  # noqa: F401  (registers the models)
from mmruas.det.models import DSFDVGG, DSFDHead
from mmruas.det.models.heads import SearchSSDHead
from mmruas.search_space import TASK_OPS, derive_genotypes
from mmruas.search_space.genotype import DET_EXTRAS_DARKFACE
from tests.helpers.data import make_darkface
from tests.helpers.det import (
    CH,
    LEVELS,
    STRIDES,
    TEST_CFG,
    TRAIN_CFG,
    detector_cfg,
    head_cfg,
    neck_cfg,
)
from tests.helpers.search import changed_groups, sgd_wrappers, snapshot

SIZE = 64


@pytest.fixture(autouse=True)
def _scope(one_thread):
    init_default_scope('mmdet')


def quiet_init(model) -> None:
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        model.init_weights()
    finally:
        logger.setLevel(level)


def feats(seed=0, n=1):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(n, c, SIZE // s, SIZE // s, generator=g) if SIZE // s else
            torch.randn(n, c, 1, 1, generator=g) for c, s in zip(CH, STRIDES)]


# ---------------------------------------------------------------- backbone
def test_dsfd_vgg_sources_and_pretrained_layout(tmp_path):
    vgg = DSFDVGG()
    assert isinstance(vgg.features[30], nn.MaxPool2d) and vgg.features[30].stride == 2
    assert sorted(vgg.state_dict()) == sorted(SSDVGG(depth=16).state_dict())  # same file
    with torch.no_grad():
        outs = vgg(torch.rand(1, 3, SIZE, SIZE))
    assert [o.shape[1] for o in outs] == [256, 512, 512, 1024]
    assert [SIZE // o.shape[-1] for o in outs] == [4, 8, 16, 32]
    w = torch.full((64, 3, 3, 3), 0.25)
    torch.save({'state_dict': {'features.0.weight': w}}, tmp_path / 'vgg.pth')
    vgg = DSFDVGG(init_cfg=dict(type='Pretrained', checkpoint=str(tmp_path / 'vgg.pth')))
    quiet_init(vgg)
    assert torch.equal(vgg.features[0].weight, w)
    with pytest.raises(ValueError, match='neck'):
        DSFDVGG(l2_norm_scale=20)


# ---------------------------------------------------------------- neck
def test_fem_neck_computes_dsfd_fem():
    torch.manual_seed(0)
    neck = MODELS.build(neck_cfg())
    quiet_init(neck)
    x = feats()
    out = neck(x)
    assert len(out) == 12
    assert [t.shape[1] for t in out] == list(LEVELS) * 2
    assert [t.shape[-1] for t in out[:6]] == [16, 8, 4, 2, 1, 1] == [t.shape[-1] for t in out[6:]]
    # L2Norm with scales 10, 8, 5 on the first three sources (learnt weights start there)
    for i, scale in enumerate((10., 8., 5.)):
        torch.testing.assert_close(out[i], scale * F.normalize(x[i], dim=1, eps=1e-10))
    assert torch.equal(out[3], x[3])
    # extras: relu(3x3 s2(relu(1x1)))
    e = neck.extra_convs
    ref4 = F.relu(F.conv2d(F.relu(F.conv2d(x[3], e[0].op.weight, e[0].op.bias)),
                           e[1].op.weight, e[1].op.bias, stride=2, padding=1))
    torch.testing.assert_close(out[4], ref4)
    # FEM by hand: top-down products, then the dilated branches of DSFD
    assert neck.top_down_levels == 3 and len(neck.lat_convs) == len(neck.top_convs) == 3
    p = list(out[:6])        # conv5_3 <- fc7, conv4_3 <- conv5_3, conv3_3 <- conv4_3 (DSFD)
    for i in (2, 1, 0):
        up = F.interpolate(neck.top_convs[i](p[i + 1]), size=out[i].shape[-2:],
                           mode='bilinear', align_corners=False)
        p[i] = neck.lat_convs[i](out[i]) * up
    for i in (0, 2, 3, 5):
        c = [neck.fem_convs[5 * i + j].op for j in range(5)]
        assert [(m.kernel_size[0], m.dilation[0]) for m in c] == [(3, 1), (3, 2), (3, 1),
                                                                   (3, 2), (3, 1)]
        a = F.relu(c[0](p[i]))
        b = F.relu(c[1](p[i]))
        d = F.relu(c[3](b))
        ref = torch.cat([a, F.relu(c[2](b)), F.relu(c[4](d))], 1)
        torch.testing.assert_close(out[6 + i], ref)


def test_neck_searchable_units_and_published_extras():
    neck = MODELS.build(neck_cfg(fem_genotype=None, extra_genotype=None))
    assert neck.fem_convs.searchable and neck.extra_convs.searchable
    assert neck.fem_convs.arch_alphas().shape == (30, len(TASK_OPS))
    assert neck.extra_convs.arch_alphas().shape == (4, len(TASK_OPS))
    assert [t.shape[-1] for t in neck(feats())] == [16, 8, 4, 2, 1, 1] * 2
    assert set(derive_genotypes(nn.ModuleDict(dict(neck=neck)))) == {'neck.fem_convs',
                                                                      'neck.extra_convs'}
    s3fd = MODELS.build(neck_cfg(with_fem=False, extra_genotype='DET_EXTRAS_DARKFACE'))
    assert not hasattr(s3fd, 'fem_convs') and len(s3fd(feats())) == 6
    assert [(e.op.kernel_size[0], e.op.stride[0]) for e in s3fd.extra_convs] == [
        (7, 1), (7, 2), (7, 1), (3, 2)]
    assert s3fd.extra_genotype == DET_EXTRAS_DARKFACE
    with pytest.raises(ValueError, match='needs 30 operations'):
        MODELS.build(neck_cfg(fem_genotype=['conv_3x3'] * 7))
    with pytest.raises(ValueError, match='multiples of 4'):
        MODELS.build(dict(neck_cfg(), extra_channels=(16, 6)))


# ---------------------------------------------------------------- head
def head_batch():
    s = DetDataSample(metainfo=dict(img_shape=(SIZE, SIZE), ori_shape=(SIZE, SIZE),
                                    pad_shape=(SIZE, SIZE), scale_factor=(1., 1.)))
    s.gt_instances = InstanceData(bboxes=torch.tensor([[10., 8., 22., 26.], [30., 20., 54., 56.]]),
                                  labels=torch.tensor([0, 0]))
    return [s]


def test_dual_shot_anchors_pal_loss_and_second_shot_inference():
    torch.manual_seed(0)
    cfg = {k: v for k, v in head_cfg().items() if k != 'type'}
    heads = {}
    for w in (1.0, 0.5):
        torch.manual_seed(0)
        heads[w] = DSFDHead(first_shot_weight=w, train_cfg=TRAIN_CFG, test_cfg=TEST_CFG, **cfg)
        quiet_init(heads[w])
    head = heads[1.0]
    second, first = head.prior_generator.base_anchors, head.first_shot.prior_generator.base_anchors
    for a, b, stride in zip(second, first, STRIDES):
        wa, ha = a[0, 2] - a[0, 0], a[0, 3] - a[0, 1]
        wb, hb = b[0, 2] - b[0, 0], b[0, 3] - b[0, 1]
        torch.testing.assert_close(torch.stack([wb, hb]), torch.stack([wa, ha]) / 2)
        torch.testing.assert_close(ha / wa, torch.tensor(1.5))          # height : width
        torch.testing.assert_close(a[0, :2] + a[0, 2:], torch.full((2,), float(stride)))
    assert head.num_base_priors == [1] * 6
    neck = MODELS.build(neck_cfg())
    quiet_init(neck)
    x = neck(feats())
    samples = head_batch()
    losses = {w: h.loss(x, samples) for w, h in heads.items()}
    assert set(losses[1.0]) == {'loss_cls', 'loss_bbox', 'loss_cls_first', 'loss_bbox_first'}
    ref_second = SearchSSDHead.loss(head, x[6:], samples)
    ref_first = head.first_shot.loss(x[:6], samples)
    for k in ('loss_cls', 'loss_bbox'):
        for w in (1.0, 0.5):
            torch.testing.assert_close(sum(losses[w][k]), sum(ref_second[k]))
            torch.testing.assert_close(sum(losses[w][f'{k}_first']), w * sum(ref_first[k]))
        assert sum(ref_first[k]) > 0
    # inference: the second shot only (the original maps do not matter)
    head.eval()
    with torch.no_grad():
        a = head.predict(x, samples)[0]
        b = head.predict(tuple(torch.randn_like(t) for t in x[:6]) + x[6:], samples)[0]
        c = head.predict(x[:6] + tuple(t + 1 for t in x[6:]), samples)[0]
    assert len(a.bboxes) > 0 and torch.equal(a.bboxes, b.bboxes)
    assert torch.equal(a.scores, b.scores) and not torch.equal(a.scores, c.scores)
    assert head.forward(x)[0][0].shape == head.forward(x[6:])[0][0].shape
    with pytest.raises(ValueError, match='expects 12 maps'):
        head.loss(x[:7], samples)


# ---------------------------------------------------------------- detector on DARK FACE
def darkface_batch(root, pipeline) -> dict:
    ds = DATASETS.build(dict(type='DarkFaceDataset', data_root=root, pipeline=pipeline,
                             test_mode=False))
    return pseudo_collate([ds[0], ds[1]])


TRAIN_PIPELINE = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations', with_bbox=True),
                  dict(type='Resize', scale=(SIZE, SIZE), keep_ratio=False),
                  dict(type='PackDetInputs')]


def test_train_step_gradients_in_scene_neck_and_both_heads(tmp_path):
    torch.manual_seed(0)
    # every negative anchor in the loss (no hard-negative cut): on a 64 x 64 image the two
    # extra levels hold one anchor each, which the 3:1 mining would often leave out
    model = MODELS.build(dict(detector_cfg(), train_cfg=dict(TRAIN_CFG, neg_pos_ratio=10 ** 4)))
    quiet_init(model)
    batch = darkface_batch(make_darkface(tmp_path), TRAIN_PIPELINE)
    data, outs = model.data_preprocessor.run(batch, training=True)
    assert len(outs) == 1 and outs[0].ts
    losses = model.loss(data['inputs'], data['data_samples'])
    loss, log = model.parse_losses(losses)
    assert set(log) >= {'loss_cls', 'loss_bbox', 'loss_cls_first', 'loss_bbox_first'}
    assert torch.isfinite(loss)
    loss.backward()
    units = {'scene': model.data_preprocessor.scene, 'neck.extras': model.neck.extra_convs,
             'neck.fem': model.neck.fem_convs, 'neck.lat': model.neck.lat_convs,
             'second.reg': model.bbox_head.reg_convs, 'second.cls': model.bbox_head.cls_convs,
             'first.reg': model.bbox_head.first_shot.reg_convs,
             'first.cls': model.bbox_head.first_shot.cls_convs}
    for name, unit in units.items():
        grads = [p.grad for p in unit.parameters()]
        assert all(g is not None and torch.isfinite(g).all() for g in grads), name
        assert sum(g.abs().sum() for g in grads) > 0, name
    before = {k: v.clone() for k, v in model.state_dict().items()}
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    opt.step()
    moved = {k.split('.')[0] for k, v in model.state_dict().items()
             if not torch.equal(v, before[k])}
    assert moved == {'data_preprocessor', 'backbone', 'neck', 'bbox_head'}


def test_predict_returns_boxes_in_image_coordinates(tmp_path):
    torch.manual_seed(0)
    model = MODELS.build(detector_cfg()).eval()
    quiet_init(model)
    pipeline = [dict(type='LoadImageFromFile'),
                dict(type='Resize', scale=(48, 32), keep_ratio=True),
                dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape',
                                                      'img_shape', 'scale_factor'))]
    batch = darkface_batch(make_darkface(tmp_path), pipeline)
    assert batch['data_samples'][0].img_shape == (32, 48)        # 96 x 64 image at 1/2
    with torch.no_grad():
        results = model.test_step(copy.deepcopy(batch))
        data = model.data_preprocessor(batch, training=False)
        raw = model.bbox_head.predict(model.extract_feat(data['inputs']),
                                      data['data_samples'], rescale=False)
    for res, r, s in zip(results, raw, batch['data_samples']):
        boxes = res.pred_instances.bboxes
        sx, sy = s.scale_factor
        torch.testing.assert_close(boxes, r.bboxes / boxes.new_tensor([sx, sy, sx, sy]))
        h, w = s.ori_shape
        assert boxes.min() >= 0 and (boxes[:, 0::2] <= w).all() and (boxes[:, 1::2] <= h).all()
        assert boxes[:, 2].max() > s.img_shape[1]       # beyond the resized image: rescaled
    assert len(results[0].pred_instances.scores) > 0


# ---------------------------------------------------------------- search
def test_cooperative_search_of_fem_and_second_shot():
    torch.manual_seed(0)
    model = MODELS.build(dict(type='SceneTaskSearchModel', task=detector_cfg(search=True)))
    quiet_init(model)
    model.train()
    groups = model.search_groups()
    assert len(groups['scene_alpha']) == 7
    assert len(groups['task_alpha']) == 30 + 4 + 6 + 6    # FEM, extras, second-shot reg/cls
    names = {id(p): n for n, p in model.named_parameters()}
    assert not any('first_shot' in names[id(p)] for p in groups['task_alpha'])
    assert any('first_shot' in names[id(p)] for p in groups['task_w'])
    g = torch.Generator().manual_seed(0)

    def batch(seed):
        samples = head_batch()
        return dict(inputs=[torch.randint(0, 60, (3, SIZE, SIZE), generator=g,
                                          dtype=torch.uint8)], data_samples=samples)
    wrappers = sgd_wrappers(model, lr_w=0.01, lr_alpha=0.1)
    for phase in ('task', 'scene'):
        before = snapshot(model)
        model.set_search_step(phase, batch(1), order=1)
        log = model.train_step(batch(0), wrappers)
        assert torch.isfinite(log['loss'])
        assert changed_groups(model, before) == {f'{phase}_alpha', f'{phase}_w'}
    cfg = model.genotype_cfg()
    assert set(cfg['neck']) == {'fem_genotype', 'extra_genotype'}
    assert len(cfg['neck']['fem_genotype']) == 30 and len(cfg['neck']['extra_genotype']) == 4
    assert set(cfg['bbox_head']) == {'reg_genotype', 'cls_genotype'}
    assert len(cfg['data_preprocessor']['scene']['iem']['genotype']) == 7
    fixed_cfg = detector_cfg()
    for key in ('neck', 'bbox_head'):
        fixed_cfg[key] = dict(fixed_cfg[key], **cfg[key])
    fixed = MODELS.build(fixed_cfg)
    assert not derive_genotypes(fixed)
    assert fixed.neck.fem_genotype.to_list() == cfg['neck']['fem_genotype']
    assert fixed.bbox_head.reg_genotype.to_list() == cfg['bbox_head']['reg_genotype']
