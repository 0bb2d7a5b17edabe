"""The paper's own DARK FACE detector (RUAS-TPAMI §7.1, Tables VI-IX): configs/ruas_ssd_darkface*.

Every config resolves and builds with the layout its table row names (scene or not, searched
or hand-designed task module, backbone); each trains one iteration and runs its evaluator on
a tiny DARK FACE tree (tests/unit/det/test_darkface.py's fixture) with narrow stand-in widths; the
search freezes the backbone and writes a retrain config inheriting the main config.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.runner import Runner

import mmruas  # noqa: F401  (registers the models)
from mmruas.det import RUASDetDataPreprocessor
from mmruas.det.models import SearchFEMNeck
from mmruas.det.models.heads import SearchSSDHead
from mmruas.models import SceneTaskModel
from mmruas.search_space.genotype import (
    DET_CLS_DARKFACE,
    DET_EXTRAS_DARKFACE,
    DET_REG_DARKFACE,
    Genotype,
)
from mmruas.utils import weight_files
from mmruas.utils.checkpoints import build_model
from tests.helpers import REPO
from tests.helpers.data import make_darkface
from tests.helpers.det import CH, EXTRA

torch.set_num_threads(1)

MAIN = REPO / 'configs' / 'ruas_ssd_darkface.py'
VARIANTS = {p.stem[len('ruas_ssd_darkface_'):]: p
            for p in (REPO / 'configs' / 'ruas_ssd_darkface').glob('ruas_ssd_darkface_*.py')}
HAND_EXTRAS = ['conv_1x1', 'conv_3x3', 'conv_1x1', 'conv_3x3']
SCALE = (96, 64)   # the fixture's largest image (w, h)
PIPE = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations', with_bbox=True),
        dict(type='Resize', scale=SCALE, keep_ratio=False), dict(type='PackDetInputs')]
TEST_PIPE = [dict(type='LoadImageFromFile'), dict(type='Resize', scale=SCALE, keep_ratio=True),
             dict(type='LoadAnnotations', with_bbox=True),
             dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape',
                                                   'img_shape', 'scale_factor'))]


def geno(g) -> list[str]:
    return Genotype.coerce(g).to_list()


def det_of(cfg: Config) -> dict:
    return cfg.model.get('task', cfg.model)


def tiny(cfg: Config) -> Config:
    """Narrow stand-in widths (tests/unit/det/test_dsfd.py's backbone), no weight files."""
    det = det_of(cfg)
    det['backbone'] = dict(type='_TinyDSFDBackbone')
    det['neck'].update(in_channels=CH, extra_channels=EXTRA)
    det['bbox_head'].update(in_channels=CH + EXTRA)
    if det['data_preprocessor'].get('scene_checkpoint'):
        det['data_preprocessor']['scene_checkpoint'] = None
    return cfg


@pytest.fixture(scope='module')
def darkface(tmp_path_factory) -> str:
    root = tmp_path_factory.mktemp('darkface')
    make_darkface(root)
    (root / 'train.txt').write_text('1\n2\n')   # the split lists' format (make_split.py)
    (root / 'test.txt').write_text('10\n2\n')
    return str(root)


def runner_cfg(cfg: Config, root: str, work_dir: Path) -> Config:
    """One epoch of two training images at batch 2 (one iteration), then the validation."""
    cfg.work_dir = str(work_dir)
    for key, pipe in (('train_dataloader', PIPE), ('val_dataloader', TEST_PIPE),
                      ('test_dataloader', TEST_PIPE)):
        if cfg.get(key):
            cfg[key].update(num_workers=0, persistent_workers=False,
                            batch_size=2 if key == 'train_dataloader' else 1)
            cfg[key].dataset.update(data_root=root, pipeline=pipe)
    cfg.log_level = 'WARNING'
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=100)
    cfg.env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend='gloo'))
    return cfg


def train_one_iteration(cfg: Config, root: str, work_dir: Path) -> dict:
    cfg = runner_cfg(tiny(cfg), root, work_dir)
    cfg.train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1, val_interval=1)
    runner = Runner.from_cfg(cfg)
    logger = MMLogger.get_current_instance()
    logger.setLevel(logging.WARNING)
    runner.train()
    assert runner.iter == 1
    return runner.val_loop.run()


def test_variants_present():
    assert set(VARIANTS) == {'stage1', 'search', 'e2e_lam0', 'e2e_lam0.1', 'tm', 'scene_tm',
                             'searched_tm', 'r50', 'r101', 'r152'}


def test_main_config_is_ssd_based_with_published_genotypes():
    cfg = Config.fromfile(str(MAIN))
    assert cfg.model.data_preprocessor.scene_checkpoint == (
        'work_dirs/ruas_ssd_darkface_stage1/iter_6000.pth')
    s1 = Config.fromfile(str(VARIANTS['stage1']))
    assert s1.work_dir == './work_dirs/ruas_ssd_darkface_stage1'
    assert s1.train_cfg.max_iters == 6000 and s1.train_dataloader.dataset.ann_file == 'train.txt'
    assert cfg.train_dataloader.dataset.ann_file == 'train.txt'
    assert cfg.test_dataloader.dataset.ann_file == 'test.txt'
    model = build_model(tiny(cfg))
    assert isinstance(model.data_preprocessor, RUASDetDataPreprocessor)
    assert isinstance(model.neck, SearchFEMNeck) and not model.neck.with_fem
    assert isinstance(model.bbox_head, SearchSSDHead) and model.bbox_head.num_classes == 1
    assert geno(model.neck.extra_genotype) == geno(DET_EXTRAS_DARKFACE)
    assert geno(model.bbox_head.reg_genotype) == geno(DET_REG_DARKFACE)
    assert geno(model.bbox_head.cls_genotype) == geno(DET_CLS_DARKFACE)
    assert dict(weight_files(Config.fromfile(str(MAIN)))) == {
        'model.data_preprocessor.scene_checkpoint':
            'work_dirs/ruas_ssd_darkface_stage1/iter_6000.pth',
        'model.backbone.init_cfg.checkpoint': 'data/pretrained/vgg16_caffe-292e1171.pth'}


@pytest.mark.parametrize('name, scene, extras, head', [
    ('tm', False, HAND_EXTRAS, ['conv_3x3'] * 6),                       # Table VIII TM
    ('scene_tm', True, HAND_EXTRAS, ['conv_3x3'] * 6),                  # RUAS_S + TM
    ('searched_tm', False, geno(DET_EXTRAS_DARKFACE), geno(DET_REG_DARKFACE)),  # Search TM
])
def test_table_viii_task_module_rows(name, scene, extras, head):
    model = build_model(tiny(Config.fromfile(str(VARIANTS[name]))))
    assert isinstance(model.data_preprocessor, RUASDetDataPreprocessor) == scene
    assert geno(model.neck.extra_genotype) == extras
    assert geno(model.bbox_head.reg_genotype) == head


def test_main_config_trains_one_iteration_and_evaluates(darkface, tmp_path):
    metrics = train_one_iteration(Config.fromfile(str(MAIN)), darkface, tmp_path / 'main')
    assert 0.0 <= metrics['pascal_voc/mAP'] <= 1.0


@pytest.mark.parametrize('name', ['e2e_lam0', 'e2e_lam0.1', 'tm', 'scene_tm', 'searched_tm'])
def test_table_vi_and_viii_variants_train_and_evaluate(name, darkface, tmp_path):
    cfg = Config.fromfile(str(VARIANTS[name]))
    if name == 'e2e_lam0.1':
        assert cfg.model.type == 'SceneTaskModel' and cfg.model.lam == 0.1
    metrics = train_one_iteration(cfg, darkface, tmp_path / name)
    assert 0.0 <= metrics['pascal_voc/mAP'] <= 1.0


@pytest.mark.parametrize('depth', [50, 101, 152])
def test_table_vii_resnet_backbones(depth, darkface, tmp_path):
    """Each ResNet trains one iteration at full width and is evaluated; only the depth and
    the weight file differ between them."""
    cfg = Config.fromfile(str(VARIANTS[f'r{depth}']))
    assert cfg.model.backbone.type == 'mmpretrain.ResNet'
    assert cfg.model.backbone.depth == depth
    assert f'resnet{depth}_8xb32_in1k' in cfg.model.backbone.init_cfg.checkpoint
    cfg.model.backbone.init_cfg = None
    cfg.model.data_preprocessor.scene_checkpoint = None
    model = build_model(cfg)
    with torch.no_grad():
        feats = model.backbone(torch.rand(1, 3, 64, 64))
    assert [f.shape[1] for f in feats] == list(cfg.model.neck.in_channels)
    assert [64 // f.shape[-1] for f in feats] == [4, 8, 16, 32]   # conv3_3 ... fc7 strides
    cfg = runner_cfg(cfg, darkface, tmp_path / f'r{depth}')
    cfg.train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1, val_interval=1)
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert 0.0 <= runner.val_loop.run()['pascal_voc/mAP'] <= 1.0


def test_search_freezes_backbone_and_writes_retrain_config(darkface, tmp_path):
    cfg = Config.fromfile(str(VARIANTS['search']))
    assert cfg.model.freeze_backbone is True and cfg.train_dataloader.batch_size == 1
    assert cfg.train_cfg.max_iters == 30 * 2500
    assert cfg.custom_hooks[0].phase_iters == (2500, 2500)
    for key in ('scene_w', 'task_w', 'scene_alpha', 'task_alpha'):
        opt = cfg.optim_wrapper[key].optimizer
        assert (opt.lr, opt.weight_decay) == (3e-4, 5e-4)
    cfg = runner_cfg(tiny(cfg), darkface, tmp_path / 'search')
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=2, val_interval=3)
    cfg.custom_hooks[0].update(phase_iters=(1, 1), retrain_base=str(MAIN))
    cfg.train_dataloader.batch_size = 1
    runner = Runner.from_cfg(cfg)
    model = runner.model
    backbone = {n: p.detach().clone() for n, p in model.task.backbone.named_parameters()}
    in_groups = {id(p) for g in model.search_groups().values() for p in g}
    assert not any(id(p) in in_groups for p in model.task.backbone.parameters())
    assert not any(p.requires_grad for p in model.task.backbone.parameters())
    runner.train()
    assert not model.task.backbone.training
    for n, p in model.task.backbone.named_parameters():
        assert torch.equal(p, backbone[n]), n
    genos = json.loads((tmp_path / 'search' / 'genotypes.json').read_text())
    assert {'task.neck.extra_convs', 'task.bbox_head.reg_convs',
            'task.bbox_head.cls_convs'} <= set(genos)
    retrain = Config.fromfile(str(tmp_path / 'search' / 'retrain_config.py'))
    assert retrain.model.bbox_head.type == 'SearchSSDHead'
    assert len(retrain.model.neck.extra_genotype) == 4
    assert len(retrain.model.data_preprocessor.scene.iem.genotype) == 7


def test_e2e_lam_positive_wraps_scene_task_model():
    model = build_model(tiny(Config.fromfile(str(VARIANTS['e2e_lam0.1']))))
    assert isinstance(model, SceneTaskModel) and model.lam == pytest.approx(0.1)
