"""The ExDark detection configs (RUAS-TPAMI §7.1, Tables VI and X) and the weight-file check.

Every config loads and builds; stage 1's checkpoint is what stage 2 loads; the main
config uses the published genotypes; λ > 0 wraps the detector in SceneTaskModel; the
ResNet configs use mmpretrain's ResNet; pretrained files are local files only, and
``tools/train.py`` says which one is missing in one line.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapper, build_optim_wrapper
from mmengine.registry import DATASETS, DefaultScope
from mmengine.structures import InstanceData

import mmruas  # noqa: F401  (registers the models)
from mmruas.det import RUASDetDataPreprocessor
from mmruas.det.datasets import write_exdark_split
from mmruas.det.datasets.mini_exdark import make_mini_exdark
from mmruas.models import RUASEnhancer, SceneTaskModel
from mmruas.scene import RUAS
from mmruas.search_space.genotype import (
    DET_CLS_DARKFACE,
    DET_EXTRAS_DARKFACE,
    DET_REG_DARKFACE,
    DET_SCENE_DARKFACE,
    Genotype,
)
from mmruas.utils import ToolError, check_weight_files, weight_files
from mmruas.utils.checkpoints import build_model
from tests.helpers import REPO

torch.set_num_threads(1)

MAIN = REPO / 'configs' / 'ruas_ssd_exdark.py'
VARIANTS = REPO / 'configs' / 'ruas_ssd_exdark'
STAGE1 = VARIANTS / 'ruas_ssd_exdark_stage1.py'
E2E0 = VARIANTS / 'ruas_ssd_exdark_e2e_lam0.py'
E2E1 = VARIANTS / 'ruas_ssd_exdark_e2e_lam0.1.py'
RESNETS = {depth: VARIANTS / f'ruas_ssd_exdark_r{depth}.py' for depth in (50, 101, 152)}
PP_KEY = 'model.data_preprocessor.scene_checkpoint'
VGG_KEY = 'model.backbone.init_cfg.checkpoint'


def load(path: Path, scene_ckpt: str | None = None) -> Config:
    """The config with its scene checkpoint (wherever it sits) replaced."""
    cfg = Config.fromfile(str(path))
    det = cfg.model.get('task', cfg.model)
    if 'scene_checkpoint' in det.get('data_preprocessor', {}):
        det.data_preprocessor.scene_checkpoint = scene_ckpt
    return cfg


def genotype(g) -> list[str]:
    return Genotype.coerce(g).to_list()


@pytest.fixture(scope='module')
def stage1(tmp_path_factory) -> tuple[str, RUASEnhancer]:
    """Stage 1 trained one step on a mini ExDark set; its checkpoint file (mmengine layout)."""
    tmp = tmp_path_factory.mktemp('stage1')
    make_mini_exdark(str(tmp / 'mini'), n_train=2, n_val=0, n_test=1)
    # the paper's random split as lists (configs/_base_/datasets/exdark_ruas_split.py)
    write_exdark_split(str(tmp / 'mini'), [str(tmp / 'mini' / 'ruas_train.txt'),
                                           str(tmp / 'mini' / 'ruas_test.txt')], sizes=(2, 1))
    cfg = Config.fromfile(str(STAGE1))
    cfg.train_dataloader.dataset.data_root = str(tmp / 'mini')
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        dataset = DATASETS.build(cfg.train_dataloader.dataset)
    assert len(dataset) == 2    # the training list only
    torch.manual_seed(0)
    model = build_model(cfg)
    batch = pseudo_collate([dataset[0], dataset[1]])
    assert all(tuple(x.shape) == (3, 300, 300) for x in batch['inputs'])  # SSD300's scale
    optim = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-3))
    losses = model.train_step(batch, optim)
    assert set(losses) == {'loss_iem', 'loss'} and torch.isfinite(losses['loss'])
    path = tmp / f'iter_{cfg.train_cfg.max_iters}.pth'
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)
    return str(path), model


def test_stage1_is_the_published_scene_and_feeds_stage2(stage1):
    path, enhancer = stage1
    assert isinstance(enhancer, RUASEnhancer) and enhancer.scene.variant == 'RUAS_S'
    stage1_cfg = Config.fromfile(str(STAGE1))
    main = Config.fromfile(str(MAIN))
    # the main config's default scene file is stage 1's last checkpoint in its work dir
    assert main.model.data_preprocessor.scene_checkpoint == (
        f'work_dirs/ruas_ssd_exdark_stage1/iter_{stage1_cfg.train_cfg.max_iters}.pth')
    assert main.model.data_preprocessor.scene == stage1_cfg.model.scene
    model = build_model(load(MAIN, path))
    pp = model.data_preprocessor
    assert isinstance(pp, RUASDetDataPreprocessor)
    for k, v in enhancer.scene.state_dict().items():
        assert torch.equal(pp.scene.state_dict()[k], v), k


def test_main_config_published_genotypes(stage1):
    cfg = load(MAIN, stage1[0])
    assert cfg.model.type == 'SingleStageDetector' and cfg.default_scope == 'mmdet'
    model = build_model(cfg)
    pp = model.data_preprocessor
    assert isinstance(pp, RUASDetDataPreprocessor) and not pp.freeze_scene
    assert isinstance(pp.scene, RUAS) and pp.scene.variant == 'RUAS_S'
    cells = [m for m in pp.scene.modules() if hasattr(m, 'searchable')]
    assert len(cells) == 3 and not any(c.searchable for c in cells)
    reference = RUAS(variant='RUAS_S', iem=dict(num_stages=3, gamma=0.5, width=3,
                                                genotype=DET_SCENE_DARKFACE))
    assert str(pp.scene) == str(reference)
    assert genotype(model.neck.genotype) == genotype(DET_EXTRAS_DARKFACE)
    assert genotype(model.bbox_head.reg_genotype) == genotype(DET_REG_DARKFACE)
    assert genotype(model.bbox_head.cls_genotype) == genotype(DET_CLS_DARKFACE)
    assert type(model.backbone).__name__ == 'SSDVGG' and model.bbox_head.num_classes == 12
    # the scene is fine-tuned at lr / 10
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    scene_ids = {id(p) for p in pp.scene.parameters()}
    lrs = {g['lr'] for g in optim.param_groups if any(id(p) in scene_ids for p in g['params'])}
    assert len(lrs) == 1 and lrs.pop() == pytest.approx(1e-4)


def test_search_retrain_config_inherits_the_main_config(tmp_path):
    """The search's retrain_config.py (as CooperativeSearchHook writes it) overrides the
    genotypes of this file and nothing else."""
    from mmruas.search_space import format_cfg

    search = Config.fromfile(str(VARIANTS / 'ruas_ssd_exdark_search.py'))
    hook = next(h for h in search.custom_hooks if h.type == 'CooperativeSearchHook')
    assert (REPO / hook.retrain_base).resolve() == MAIN.with_suffix('') / MAIN.name
    scene_g, neck_g = ['conv_3x3'] * 7, ['conv_5x5'] * 4
    head_g = ['conv_1x1'] * 6
    override = dict(data_preprocessor=dict(scene=dict(iem=dict(genotype=scene_g))),
                    neck=dict(genotype=neck_g),
                    bbox_head=dict(reg_genotype=head_g, cls_genotype=head_g))
    path = tmp_path / 'retrain_config.py'
    path.write_text(f'_base_ = [{str(MAIN)!r}]\n\nmodel = {format_cfg(override)}\n')
    cfg = load(path)
    main = Config.fromfile(str(MAIN))
    assert cfg.model.data_preprocessor.type == 'RUASDetDataPreprocessor'
    assert cfg.model.data_preprocessor.scene.iem.genotype == scene_g
    assert cfg.model.data_preprocessor.scene.iem.num_stages == 3
    assert cfg.model.neck.genotype == neck_g and cfg.model.bbox_head.cls_genotype == head_g
    assert cfg.model.backbone == main.model.backbone and cfg.train_cfg == main.train_cfg
    model = build_model(cfg)
    assert genotype(model.neck.genotype) == neck_g


def test_pretrained_init_reads_the_configured_file(tmp_path):
    """The Pretrained init_cfg of VGG16 and ResNet-50 loads a local file (prefix included)."""
    w = torch.full((64, 3, 3, 3), 0.25)
    vgg = tmp_path / 'vgg.pth'
    torch.save({'state_dict': {'features.0.weight': w}}, vgg)
    cfg = load(MAIN)
    cfg.model.backbone.init_cfg.checkpoint = str(vgg)
    model = build_model(cfg)
    model.backbone.init_weights()
    assert torch.equal(model.backbone.features[0].weight, w)

    w = torch.full((64, 3, 7, 7), 0.5)
    res = tmp_path / 'r50.pth'
    torch.save({'state_dict': {'backbone.conv1.weight': w, 'head.fc.weight': torch.ones(2, 2)}},
               res)
    cfg = load(RESNETS[50])
    cfg.model.backbone.init_cfg.checkpoint = str(res)
    model = build_model(cfg)
    model.backbone.init_weights()
    assert torch.equal(model.backbone.conv1.weight, w)


def test_e2e_lam0_is_the_detector_with_a_fresh_scene():
    cfg = load(E2E0)
    assert cfg.model.data_preprocessor.scene_checkpoint is None
    assert not cfg.optim_wrapper.paramwise_cfg   # the scene at the full lr
    model = build_model(cfg)
    assert type(model).__name__ == 'SingleStageDetector'
    assert isinstance(model.data_preprocessor, RUASDetDataPreprocessor)


def test_e2e_lam_positive_is_scene_task_model():
    cfg = load(E2E1)
    assert cfg.model.type == 'SceneTaskModel' and cfg.model.task.type == 'SingleStageDetector'
    model = build_model(cfg)
    assert isinstance(model, SceneTaskModel) and model.lam == pytest.approx(0.1)
    assert model.data_preprocessor is model.task.data_preprocessor
    assert genotype(model.task.neck.genotype) == genotype(DET_EXTRAS_DARKFACE)
    build_optim_wrapper(model, cfg.optim_wrapper)   # the shared scene is one parameter set
    g = torch.Generator().manual_seed(0)
    sample = DetDataSample(metainfo=dict(img_shape=(300, 300), ori_shape=(300, 300),
                                         scale_factor=(1.0, 1.0)))
    sample.gt_instances = InstanceData(bboxes=torch.tensor([[30.0, 40.0, 200.0, 260.0]]),
                                       labels=torch.tensor([3]))
    data = model.preprocess(   # what its train_step hands forward: the batch + scene outputs
        dict(inputs=[torch.randint(0, 60, (3, 300, 300), generator=g, dtype=torch.uint8)],
             data_samples=[sample]), training=True)
    with torch.no_grad():
        losses = model(**data, mode='loss')
    assert 'loss_scene' in losses and torch.isfinite(losses['loss_scene']).all()
    assert {'loss_cls', 'loss_bbox'} <= set(losses)


@pytest.mark.parametrize('depth', sorted(RESNETS))
def test_resnet_configs(depth):
    cfg = load(RESNETS[depth])
    backbone = cfg.model.backbone
    assert backbone.type == 'mmpretrain.ResNet' and backbone.depth == depth
    assert 'mmpretrain.models' in cfg.custom_imports.imports
    assert f'resnet{depth}_8xb32_in1k' in backbone.init_cfg.checkpoint
    assert backbone.init_cfg.prefix == 'backbone.'
    model = build_model(cfg)
    assert type(model.backbone).__module__.startswith('mmpretrain.')
    assert isinstance(model.data_preprocessor, RUASDetDataPreprocessor)
    with torch.no_grad():
        feats = model.backbone(torch.rand(1, 3, 64, 64))
    assert [f.shape[1] for f in feats] == list(cfg.model.neck.in_channels) == [512, 1024]
    assert [64 // f.shape[-1] for f in feats] == [8, 16]   # VGG16's conv4_3 / fc7 strides


def test_weight_files_of_every_config():
    assert weight_files(Config.fromfile(str(STAGE1))) == []
    main = dict(weight_files(Config.fromfile(str(MAIN))))
    assert set(main) == {PP_KEY, VGG_KEY}
    assert main[VGG_KEY] == 'data/pretrained/vgg16_caffe-292e1171.pth'
    assert dict(weight_files(Config.fromfile(str(E2E0)))) == {VGG_KEY: main[VGG_KEY]}
    assert dict(weight_files(Config.fromfile(str(E2E1)))) == {
        'model.task.backbone.init_cfg.checkpoint': main[VGG_KEY]}
    for depth, path in RESNETS.items():
        files = dict(weight_files(Config.fromfile(str(path))))
        assert f'resnet{depth}_' in files[VGG_KEY] and PP_KEY in files


def test_check_weight_files_messages(tmp_path):
    ok = tmp_path / 'ok.pth'
    ok.write_bytes(b'x')
    cfg = dict(model=dict(backbone=dict(init_cfg=[
        dict(type='Kaiming'), dict(type='Pretrained', checkpoint=str(ok))]),
        data_preprocessor=dict(scene_checkpoint=str(ok))), load_from=str(ok))
    check_weight_files(cfg)   # all present: nothing raised
    cases = [
        (('model', 'backbone', 'init_cfg'),
         [dict(type='Pretrained', checkpoint='https://download.openmmlab.com/x.pth')],
         'model.backbone.init_cfg.0.checkpoint is the URL', 'never downloads'),
        (('model', 'backbone', 'init_cfg'), dict(type='mmengine.Pretrained', checkpoint=None),
         'model.backbone.init_cfg.checkpoint is None', 'random initialisation'),
        (('model', 'data_preprocessor', 'scene_checkpoint'), str(tmp_path),
         str(tmp_path), 'a directory'),
        (('load_from',), str(tmp_path / 'gone.pth'), 'load_from file', 'not found'),
    ]
    for keys, value, *expected in cases:
        bad = {**cfg, 'model': {**cfg['model'], 'backbone': dict(cfg['model']['backbone']),
                                'data_preprocessor': dict(cfg['model']['data_preprocessor'])}}
        node = bad
        for k in keys[:-1]:
            node = node[k]
        node[keys[-1]] = value
        with pytest.raises(ToolError) as info:
            check_weight_files(bad)
        message = str(info.value)
        assert '\n' not in message and all(e in message for e in expected), message


def test_train_tool_names_the_missing_pretrained_file(tmp_path):
    scene = tmp_path / 'stage1.pth'
    torch.save({'state_dict': {f'scene.{k}': v for k, v in RUAS(
        variant='RUAS_S', iem=dict(genotype=DET_SCENE_DARKFACE)).state_dict().items()}}, scene)
    missing = tmp_path / 'nowhere' / 'vgg16_caffe.pth'
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS='1')
    proc = subprocess.run(
        [sys.executable, str(REPO / 'tools' / 'train.py'), str(MAIN), '--work-dir',
         str(tmp_path / 'work'), '--cfg-options', f'{VGG_KEY}={missing}',
         f'{PP_KEY}={scene}'],
        capture_output=True, text=True, env=env, cwd=str(tmp_path), timeout=300)
    assert proc.returncode == 2, proc.stderr
    err = proc.stderr.strip()
    assert 'Traceback' not in err and len(err.splitlines()) == 1, err
    assert err.startswith('error: ') and VGG_KEY in err and str(missing) in err
    assert PP_KEY not in err   # the scene file exists
    assert not (tmp_path / 'work').exists()   # stopped before the runner was built
