"""Segmentation (RUAS-TPAMI §7, docs/method.md#task-edges): the mmseg scene preprocessor, the
searchable DeepLab-v3+ head, eq. 5 with a segmentor, the cooperative search and the ACDC configs."""
from __future__ import annotations

import json

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import DATASETS, MODELS, DefaultScope
from mmengine.runner import Runner
from mmengine.structures import PixelData
from mmseg.models.data_preprocessor import SegDataPreProcessor
from mmseg.structures import SegDataSample

import mmruas  # noqa: F401
from mmruas.losses import SceneLoss
from mmruas.models import SceneTaskModel
from mmruas.models.search_groups import task_genotype_cfg
from mmruas.scene import RUAS
from mmruas.search_space.genotype import DET_SCENE_DARKFACE, Genotype, derive_genotypes
from mmruas.seg import RUASSegDataPreprocessor
from mmruas.seg.models import SearchSepASPPHead
from mmruas.utils import weight_files
from mmruas.utils.checkpoints import build_model
from tests.helpers import REPO
from tests.helpers.models import train_step_with_frozen_block, use_tiny_block
from tests.helpers.seg import (
    BN,
    PIPELINE,
    SIZE,
    runner_cfg,
    tiny,
)
from tests.helpers.tools import load_tool

torch.set_num_threads(1)

MAIN = REPO / 'configs' / 'ruas_deeplabv3plus_acdc.py'
VARIANTS = REPO / 'configs' / 'ruas_deeplabv3plus_acdc'


def batch_from(root: str, split: str = 'train', n: int = 2) -> dict:
    with DefaultScope.overwrite_default_scope('mmseg'):
        ds = DATASETS.build(dict(type='ACDCDataset', data_root=root, split=split,
                                 pipeline=PIPELINE))
    return pseudo_collate([ds[i] for i in range(n)])


# ------------------------------------------------------------------ preprocessor
def test_preprocessor_is_scene_then_stock_preprocessor():
    torch.manual_seed(0)
    scene = RUAS(variant='RUAS_S', iem=dict(genotype=DET_SCENE_DARKFACE))
    args = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], bgr_to_rgb=True,
                size=(40, 40), seg_pad_val=255)
    ours = RUASSegDataPreprocessor(scene=scene, **args)
    stock = SegDataPreProcessor(**args)
    imgs = [torch.randint(0, 90, (3, 32, 32), dtype=torch.uint8),
            torch.randint(0, 90, (3, 24, 30), dtype=torch.uint8)]
    samples = []
    for img in imgs:
        s = SegDataSample(metainfo=dict(img_shape=img.shape[1:], ori_shape=img.shape[1:]))
        s.gt_sem_seg = PixelData(data=torch.randint(0, 19, (1, *img.shape[1:])))
        samples.append(s)
    out = ours(dict(inputs=imgs, data_samples=samples), training=True)
    # by hand: per image y = RGB / 255, u = Ψs(y), back to BGR x 255, then mmseg's own
    manual = []
    with torch.no_grad():
        for img in imgs:
            u = scene((img[[2, 1, 0]].float() / 255)[None]).output[0]
            manual.append(u[[2, 1, 0]] * 255)
    ref = stock(dict(inputs=manual, data_samples=[s.clone() for s in samples]), training=True)
    assert out['inputs'].shape == (2, 3, 40, 40)
    torch.testing.assert_close(out['inputs'], ref['inputs'], atol=1e-4, rtol=1e-5)
    for a, b in zip(out['data_samples'], ref['data_samples']):
        assert torch.equal(a.gt_sem_seg.data, b.gt_sem_seg.data)
    assert (out['data_samples'][1].gt_sem_seg.data[:, 24:, :] == 255).all()  # seg pad value
    with torch.no_grad():                        # two sizes: two scene groups, unpadded
        assert len(ours.run(dict(inputs=imgs, data_samples=samples), True)[1]) == 2
    out['inputs'].sum().backward()
    grads = [p.grad for p in scene.parameters()]
    assert all(g is not None for g in grads) and sum(g.abs().sum() for g in grads) > 0


def test_frozen_scene_from_checkpoint(tmp_path):
    scene = RUAS(variant='RUAS_S', iem=dict(genotype=DET_SCENE_DARKFACE))
    path = tmp_path / 'stage1.pth'
    torch.save({'state_dict': {f'scene.{k}': v + 0.5 for k, v in scene.state_dict().items()}},
               path)
    pp = RUASSegDataPreprocessor(scene=dict(type='RUAS', variant='RUAS_S',
                                            iem=dict(genotype='DET_SCENE_DARKFACE')),
                                 freeze_scene=True, scene_checkpoint=str(path))
    for k, v in scene.state_dict().items():
        assert torch.equal(pp.scene.state_dict()[k], v + 0.5)
    pp.train()
    assert not pp.scene.training and not any(p.requires_grad for p in pp.scene.parameters())


# ------------------------------------------------------------------ head
def head_cfg(**kw) -> dict:
    return dict(in_channels=16, in_index=3, channels=8, c1_in_channels=4, c1_channels=4,
                num_classes=5, norm_cfg=BN, align_corners=False, **kw)


def head_inputs() -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    return [torch.randn(2, 4, 16, 16, generator=g), torch.randn(2, 8, 8, 8, generator=g),
            torch.randn(2, 8, 8, 8, generator=g), torch.randn(2, 16, 8, 8, generator=g)]


def test_fixed_head_is_deeplabv3plus():
    """With DeepLab-v3+'s own genotype the head is mmseg's DepthwiseSeparableASPPHead at rates
    6/12/18: same keys, same output for the same weights."""
    with DefaultScope.overwrite_default_scope('mmseg'):
        ours = MODELS.build(dict(type='SearchSepASPPHead',
                                 aspp_genotype='SEG_ASPP_DEEPLABV3PLUS', **head_cfg()))
        stock = MODELS.build(dict(type='DepthwiseSeparableASPPHead', dilations=(1, 6, 12, 18),
                                  **head_cfg()))
    assert list(ours.state_dict()) == list(stock.state_dict())
    ours.load_state_dict(stock.state_dict())
    ours.eval(), stock.eval()
    x = head_inputs()
    torch.testing.assert_close(ours(x), stock(x), rtol=0, atol=0)
    assert [m.depthwise_conv.conv.dilation[0] for m in list(ours.aspp_modules)[1:]] == [6, 12, 18]


def test_searchable_head_mixes_and_derives():
    torch.manual_seed(0)
    head = SearchSepASPPHead(aspp_genotype=None, dilations=(1, 12, 24, 36), **head_cfg())
    edges = list(head.aspp_modules)
    assert len(edges) == 4 and len(edges[0].candidates) == 10   # Table 1's task set
    head.eval()
    x = head_inputs()[3]
    edge = edges[2]
    w = torch.softmax(edge.arch_alpha, 0)
    torch.testing.assert_close(edge(x), sum(wi * op(x) for wi, op in zip(w, edge.ops)))
    target = ['conv_7x7', 'dilconv_3x3_d12', 'dilconv_5x5', 'conv_1x1']
    with torch.no_grad():
        for e, name in zip(edges, target):
            e.arch_alpha.zero_()
            e.arch_alpha[e.candidates.index(name)] = 30.0
    torch.testing.assert_close(edge(x), edge.ops[edge.candidates.index(target[2])](x),
                               rtol=1e-5, atol=1e-5)
    assert derive_genotypes(head) == {'aspp_modules': Genotype(tuple(target))}
    assert head(head_inputs()).shape == (2, 5, 16, 16)
    fixed = SearchSepASPPHead(aspp_genotype=target, **head_cfg())
    first, last = fixed.aspp_modules[0], fixed.aspp_modules[3]
    assert first.depthwise_conv.conv.kernel_size == (7, 7)      # separable as DeepLab-v3+
    assert first.depthwise_conv.conv.groups == 16 and last.conv.kernel_size == (1, 1)
    plain = SearchSepASPPHead(aspp_genotype=target, separable=False, **head_cfg())
    assert plain.aspp_modules[1].conv.dilation == (12, 12)
    assert plain.aspp_modules[0].conv.weight.shape == (8, 16, 7, 7)
    with pytest.raises(ValueError, match='not a plain convolution'):
        SearchSepASPPHead(aspp_genotype=['skip_connect'] * 4, **head_cfg())


def test_genotype_cfg_of_a_segmentor():
    """The arg-max genotypes of a searchable segmentor map to the retrain config's keys."""
    cfg = Config.fromfile(str(VARIANTS / 'ruas_deeplabv3plus_acdc_search.py'))
    tiny(cfg.model.task)
    model = build_model(cfg)
    out = task_genotype_cfg(model.task)
    assert set(out) == {'data_preprocessor', 'decode_head'}
    assert len(out['decode_head']['aspp_genotype']) == 4
    assert len(out['data_preprocessor']['scene']['iem']['genotype']) == 7


# ------------------------------------------------------------------ eq. 5 and configs
def test_e2e_lam_scene_task_model_loss_and_gradients(acdc):
    cfg = Config.fromfile(str(VARIANTS / 'ruas_deeplabv3plus_acdc_e2e_lam0.1.py'))
    tiny(cfg.model.task)
    torch.manual_seed(0)
    model = build_model(cfg)
    assert isinstance(model, SceneTaskModel) and model.lam == 0.1
    data = model.preprocess(batch_from(acdc), training=True)
    losses = model(**data, mode='loss')
    assert {'decode.loss_ce', 'aux.loss_ce', 'loss_scene'} <= set(losses)
    (out,) = data['scene_outputs']                  # asked for by the model (λ > 0)
    expected = 0.1 * SceneLoss(eta=0.1)(out.ts[-1], out.input)
    torch.testing.assert_close(losses['loss_scene'], expected)
    loss, _ = model.parse_losses(losses)
    loss.backward()
    for part in ('data_preprocessor.scene.', 'task.backbone.', 'task.decode_head.aspp_modules.',
                 'task.auxiliary_head.'):
        grads = [p.grad for n, p in model.named_parameters() if n.startswith(part)]
        assert grads and all(g is not None for g in grads), part
        assert sum(float(g.abs().sum()) for g in grads) > 0, part


def test_stage1_feeds_the_main_config(acdc, tmp_path):
    """Hierarchical strategy: stage 1 trains the scene alone on ACDC photographs; the main
    config's preprocessor loads that checkpoint's scene."""
    s1 = Config.fromfile(str(VARIANTS / 'ruas_deeplabv3plus_acdc_stage1.py'))
    s1.train_dataloader.dataset.data_root = acdc
    s1.train_dataloader.dataset.pipeline[1].crop_size = 32
    with DefaultScope.overwrite_default_scope(s1.default_scope):
        ds = DATASETS.build(s1.train_dataloader.dataset)
    assert len(ds) == 4 and tuple(ds[0]['inputs'].shape) == (3, 32, 32)
    torch.manual_seed(1)
    enhancer = build_model(s1)
    path = tmp_path / 'iter_4000.pth'
    torch.save({'state_dict': enhancer.state_dict()}, path)
    main = Config.fromfile(str(MAIN))
    tiny(main.model)
    main.model.data_preprocessor.scene_checkpoint = str(path)
    model = build_model(main)
    for k, v in enhancer.scene.state_dict().items():
        assert torch.equal(model.data_preprocessor.scene.state_dict()[k], v), k
    assert main.model.backbone.depth == 101 or True   # tiny() replaced it; see below
    assert Config.fromfile(str(MAIN)).model.backbone.depth == 101
    assert Config.fromfile(str(VARIANTS / 'ruas_deeplabv3plus_acdc_r50.py')
                           ).model.backbone.depth == 50


def test_weight_files_of_the_segmentation_configs():
    # the trained DeepLab-v3+ the paper starts from (RUAS-TPAMI §7.2), not ImageNet weights
    pp, pre = 'model.data_preprocessor.scene_checkpoint', 'model.init_cfg.checkpoint'
    main = dict(weight_files(Config.fromfile(str(MAIN))))
    assert set(main) == {pp, pre}
    assert main[pre].endswith('deeplabv3plus_r101-d8_512x1024_80k_cityscapes_20200606_114143'
                              '-068fcfe9.pth')
    r50 = dict(weight_files(Config.fromfile(str(VARIANTS / 'ruas_deeplabv3plus_acdc_r50.py'))))
    assert r50[pre].endswith('deeplabv3plus_r50-d8_512x1024_80k_cityscapes_20200606_114049'
                             '-f9fb496d.pth') and pp in r50
    assert dict(weight_files(Config.fromfile(
        str(VARIANTS / 'ruas_deeplabv3plus_acdc_e2e_lam0.py')))) == {pre: main[pre]}
    assert dict(weight_files(Config.fromfile(
        str(VARIANTS / 'ruas_deeplabv3plus_acdc_e2e_lam0.1.py')))) == {
            'model.task.init_cfg.checkpoint': main[pre]}
    assert weight_files(Config.fromfile(str(VARIANTS / 'ruas_deeplabv3plus_acdc_stage1.py'))) == []


def test_cooperative_search_of_scene_and_aspp(acdc, tmp_path):
    """Two iterations (scene phase, task phase) of the search config through the hook: both
    α groups move, and retrain_config.py sets the scene and ASPP genotypes of the main config."""
    cfg = Config.fromfile(str(VARIANTS / 'ruas_deeplabv3plus_acdc_search.py'))
    tiny(cfg.model.task)
    cfg = runner_cfg(cfg, acdc, tmp_path / 'search', iters=2)
    cfg.train_dataloader.sampler = dict(type='InfiniteSampler', shuffle=True)
    hook = cfg.custom_hooks[0]
    hook.update(phase_iters=(1, 1), retrain_base=str(MAIN))
    runner = Runner.from_cfg(cfg)
    model = runner.model
    groups = model.search_groups()
    before = {k: [p.detach().clone() for p in groups[k]] for k in ('scene_alpha', 'task_alpha')}
    runner.train()
    for k, old in before.items():
        assert any(not torch.equal(p, q) for p, q in zip(groups[k], old)), k
    genos = json.loads((tmp_path / 'search' / 'genotypes.json').read_text())
    assert genos['task.decode_head.aspp_modules'] == \
        task_genotype_cfg(model.task)['decode_head']['aspp_genotype']
    retrain = Config.fromfile(str(tmp_path / 'search' / 'retrain_config.py'))
    assert retrain.model.type == 'EncoderDecoder'
    assert retrain.model.decode_head.aspp_genotype == \
        task_genotype_cfg(model.task)['decode_head']['aspp_genotype']
    assert len(retrain.model.data_preprocessor.scene.iem.genotype) == 7
    assert retrain.model.backbone.depth == 101   # everything else from the main config


def test_benchmark_builds_the_segmentor_with_and_without_scene():
    """benchmark_detection.py also times segmentors: the plain twin has mmseg's
    SegDataPreProcessor and the same weights, and both run a train step and inference."""
    import argparse
    bench = load_tool('analysis_tools', 'benchmark_detection.py')
    cfg = Config.fromfile(str(VARIANTS / 'ruas_deeplabv3plus_acdc_r50.py'))
    tiny(cfg.model)
    cfg.model.data_preprocessor.size = (32, 32)
    args = argparse.Namespace(checkpoint=None, device='cpu', warmup=0, iters=1,
                              batch_size=2, shape=(32, 32))
    models = bench.build_models(cfg, args)
    assert type(models['without'].data_preprocessor) is SegDataPreProcessor
    assert type(models['with'].data_preprocessor) is RUASSegDataPreprocessor
    plain = models['without'].state_dict()
    for k, v in models['with'].state_dict().items():
        if not k.startswith('data_preprocessor.scene.'):
            assert torch.equal(plain[k], v), k
    gen = torch.Generator().manual_seed(0)
    train = bench.random_batch(2, (32, 32), 19, gen, 'cpu', segmentation=True)
    test = bench.random_batch(1, (32, 32), 19, gen, 'cpu', segmentation=True)
    assert train['data_samples'][0].gt_sem_seg.data.shape == (1, 32, 32)
    optims = {k: bench.build_optim(m, cfg) for k, m in models.items()}
    times = bench.run_rounds(models, optims, train, test, args)
    assert all(len(times[s][v]) == 1 for s in times for v in ('with', 'without'))


def test_bgl_transfer_config_trains_on_unprocessed_acdc(acdc, tmp_path):
    """configs/bgl/bgl_transfer_deeplabv3plus_acdc.py: ACDC photographs are unprocessed to
    packed RAW, a BGL checkpoint's frozen generative block maps them back to RGB, and the
    segmentor trains on its output (the block's weights do not move)."""
    cfg = Config.fromfile(str(REPO / 'configs' / 'bgl' / 'bgl_transfer_deeplabv3plus_acdc.py'))
    assert cfg.model.data_preprocessor.scene == dict(type='GenerativeBlock')
    tiny(cfg.model)
    block = use_tiny_block(cfg.model, tmp_path / 'bgl.pth')
    pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
                cfg.train_dataloader.dataset.pipeline[-2], dict(type='PackSegInputs')]
    assert pipeline[2]['type'] == 'mmruas.LowLightRaw'
    with DefaultScope.overwrite_default_scope('mmseg'):
        ds = DATASETS.build(dict(type='ACDCDataset', data_root=acdc, split='train',
                                 pipeline=pipeline))
    batch = pseudo_collate([ds[0], ds[1]])
    assert batch['inputs'][0].shape == (4, SIZE[0] // 2, SIZE[1] // 2)   # packed RAW
    model = revert_sync_batchnorm(build_model(cfg))
    before, after = train_step_with_frozen_block(model, block, batch)
    assert not torch.equal(after['decode_head.conv_seg.weight'],
                           before['decode_head.conv_seg.weight'])
