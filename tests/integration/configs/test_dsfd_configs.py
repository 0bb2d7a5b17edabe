"""The DARK FACE / DSFD configs (RUAS-TPAMI §7, Tables 6 and 9; docs/method.md#training-strategies):
each builds (widths made tiny by overrides), stage 1 feeds stage 2, the variants differ
from the main config where they should, and their weight files are local files only."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapper, build_optim_wrapper
from mmengine.registry import DATASETS, MODELS, DefaultScope

import mmruas  # noqa: F401  (registers the models)
from mmruas.det import RUASDetDataPreprocessor
from mmruas.det.models import DSFDHead, SearchFEMNeck
from mmruas.det.models.heads import SearchSSDHead
from mmruas.scene import RUAS
from mmruas.search_space import TASK_OPS
from mmruas.search_space.genotype import (
    DET_CLS_DARKFACE,
    DET_EXTRAS_DARKFACE,
    DET_REG_DARKFACE,
    DET_SCENE_DARKFACE,
)
from mmruas.utils import ToolError, check_weight_files, weight_files
from mmruas.utils.checkpoints import build_model
from tests.helpers import REPO
from tests.helpers.data import make_darkface
from tests.helpers.det import tiny
from tests.helpers.models import train_step_with_frozen_block, use_tiny_block
from tests.helpers.tools import load_tool

torch.set_num_threads(1)

MAIN = REPO / 'configs' / 'ruas_dsfd_darkface.py'
VARIANTS = {p.stem[len('ruas_dsfd_darkface_'):]: p
            for p in (REPO / 'configs' / 'ruas_dsfd_darkface').glob('ruas_dsfd_darkface_*.py')}
VGG_KEY = 'model.backbone.init_cfg.checkpoint'
PP_KEY = 'model.data_preprocessor.scene_checkpoint'


def load_tiny(path: Path) -> Config:
    cfg = Config.fromfile(str(path))
    tiny(cfg.model.get('task', cfg.model))
    return cfg


def test_variants_present():
    assert set(VARIANTS) == {'stage1', 'e2e', 'search', 'baseline_no_scene',
                             's3fd_published_genotype'}


def test_main_config_hierarchical_dsfd():
    cfg = Config.fromfile(str(MAIN))
    assert cfg.default_scope == 'mmdet' and cfg.input_size == 640
    det = cfg.model
    assert det.backbone.type == 'DSFDVGG' and det.neck.type == 'SearchFEMNeck'
    assert det.bbox_head.type == 'DSFDHead' and det.bbox_head.num_classes == 1
    assert det.bbox_head.anchor_generator.base_sizes == [16, 32, 64, 128, 256, 512]
    assert det.bbox_head.anchor_generator.ratios == [1.5]
    assert det.neck.l2_norm_scales == (10, 8, 5)
    assert det.data_preprocessor.scene.iem.genotype == 'DET_SCENE_DARKFACE'
    assert cfg.train_dataloader.dataset.type == 'DarkFaceDataset'
    assert cfg.test_evaluator == dict(type='VOCMetric', iou_thrs=0.5, eval_mode='area',
                                      metric='mAP')
    files = dict(weight_files(cfg))
    assert files == {VGG_KEY: 'data/pretrained/vgg16_caffe-292e1171.pth',
                     PP_KEY: 'work_dirs/ruas_dsfd_darkface_stage1/iter_6000.pth'}
    model = build_model(load_tiny(MAIN))
    assert isinstance(model.data_preprocessor, RUASDetDataPreprocessor)
    assert isinstance(model.neck, SearchFEMNeck) and isinstance(model.bbox_head, DSFDHead)
    assert not model.neck.fem_convs.searchable and not model.bbox_head.reg_convs.searchable
    scene_ids = {id(p) for p in model.data_preprocessor.scene.parameters()}
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    lrs = {g['lr'] for g in optim.param_groups if any(id(p) in scene_ids for p in g['params'])}
    assert len(lrs) == 1 and lrs.pop() == pytest.approx(1e-4)   # stage-1 scene at lr / 10


def test_stage1_trains_the_scene_and_feeds_stage2(tmp_path):
    stage1 = Config.fromfile(str(VARIANTS['stage1']))
    main = Config.fromfile(str(MAIN))
    assert stage1.model.scene == main.model.data_preprocessor.scene
    assert main.model.data_preprocessor.scene_checkpoint == (
        f'{stage1.work_dir[2:]}/iter_{stage1.train_cfg.max_iters}.pth')
    root = make_darkface(tmp_path / 'df')
    (tmp_path / 'df' / 'train.txt').write_text('1\n2\n')
    stage1.train_dataloader.dataset.data_root = root
    stage1.train_pipeline[1]['crop_size'] = 32   # tiny fixture images
    stage1.train_dataloader.dataset.pipeline = stage1.train_pipeline
    with DefaultScope.overwrite_default_scope(stage1.default_scope):
        dataset = DATASETS.build(stage1.train_dataloader.dataset)
        torch.manual_seed(0)
        enhancer = MODELS.build(stage1.model)
    assert len(dataset) == 2
    losses = enhancer.train_step(pseudo_collate([dataset[0], dataset[1]]),
                                 OptimWrapper(torch.optim.Adam(enhancer.parameters(), 1e-3)))
    assert torch.isfinite(losses['loss'])
    path = tmp_path / 'iter.pth'
    torch.save({'state_dict': enhancer.state_dict()}, path)
    cfg = load_tiny(MAIN)
    cfg.model.data_preprocessor.scene_checkpoint = str(path)
    model = build_model(cfg)
    for k, v in enhancer.scene.state_dict().items():
        assert torch.equal(model.data_preprocessor.scene.state_dict()[k], v), k


def test_e2e_and_baseline():
    e2e = load_tiny(VARIANTS['e2e'])
    assert e2e.model.data_preprocessor.scene_checkpoint is None
    files = dict(weight_files(Config.fromfile(str(VARIANTS['e2e']))))
    assert files == {VGG_KEY: 'data/pretrained/vgg16_caffe-292e1171.pth'}
    assert isinstance(build_model(e2e).data_preprocessor, RUASDetDataPreprocessor)
    base = load_tiny(VARIANTS['baseline_no_scene'])
    model = build_model(base)
    assert type(model.data_preprocessor).__name__ == 'DetDataPreprocessor'
    main = Config.fromfile(str(MAIN))
    for key in ('mean', 'std', 'bgr_to_rgb', 'pad_size_divisor'):
        assert base.model.data_preprocessor[key] == main.model.data_preprocessor[key]
    assert base.train_cfg == main.train_cfg and base.model.neck == load_tiny(MAIN).model.neck


def test_s3fd_published_genotype():
    cfg = load_tiny(VARIANTS['s3fd_published_genotype'])
    model = build_model(cfg)
    assert not model.neck.with_fem and model.neck.extra_genotype == DET_EXTRAS_DARKFACE
    assert type(model.bbox_head) is SearchSSDHead
    assert model.bbox_head.reg_genotype == DET_REG_DARKFACE
    assert model.bbox_head.cls_genotype == DET_CLS_DARKFACE
    reference = RUAS(variant='RUAS_S', iem=dict(num_stages=3, gamma=0.5, width=3,
                                                genotype=DET_SCENE_DARKFACE))
    assert str(model.data_preprocessor.scene) == str(reference)
    with torch.no_grad():
        feats = model.extract_feat(torch.rand(1, 3, 64, 64))
        cls_scores, _ = model.bbox_head(feats)
    assert [c.shape[1] for c in cls_scores] == [2] * 6       # one anchor, face + background


def test_search_config():
    cfg = load_tiny(VARIANTS['search'])
    assert cfg.model.type == 'SceneTaskSearchModel'
    task = cfg.model.task
    assert task.neck.fem_genotype is None and task.neck.extra_genotype is None
    assert task.bbox_head.reg_genotype is None and task.bbox_head.cls_genotype is None
    assert tuple(task.neck.candidates) == TASK_OPS        # Table 1's high-level task set
    assert cfg.train_cfg.max_iters == 30 * 2500
    hook = cfg.custom_hooks[0]
    assert hook.type == 'CooperativeSearchHook'
    assert (REPO / hook.retrain_base).resolve() == MAIN.parent / MAIN.stem / MAIN.name
    model = build_model(cfg)
    groups = model.search_groups()
    assert len(groups['task_alpha']) == 30 + 4 + 6 + 6 and len(groups['scene_alpha']) == 7


def test_weight_file_check_names_the_missing_vgg(tmp_path):
    cfg = Config.fromfile(str(MAIN))
    scene = tmp_path / 'stage1.pth'
    scene.write_bytes(b'x')
    cfg.model.data_preprocessor.scene_checkpoint = str(scene)
    cfg.model.backbone.init_cfg.checkpoint = str(tmp_path / 'nowhere' / 'vgg.pth')
    with pytest.raises(ToolError) as info:
        check_weight_files(cfg)
    message = str(info.value)
    assert VGG_KEY in message and 'nowhere' in message and PP_KEY not in message
    (tmp_path / 'nowhere').mkdir()
    (tmp_path / 'nowhere' / 'vgg.pth').write_bytes(b'x')
    check_weight_files(cfg)


def test_bgl_transfer_config_trains_on_unprocessed_darkface(tmp_path):
    """configs/bgl/bgl_transfer_dsfd_darkface.py: DARK FACE images are unprocessed to packed
    RAW, a BGL checkpoint's frozen generative block maps them back to RGB and the detector
    trains on its output (the block's weights do not move)."""
    cfg = Config.fromfile(str(REPO / 'configs' / 'bgl' / 'bgl_transfer_dsfd_darkface.py'))
    assert cfg.model.data_preprocessor.scene == dict(type='GenerativeBlock')
    assert dict(weight_files(cfg))[PP_KEY] == 'work_dirs/bgl_sid_ibgl/iter_20000.pth'
    tiny(cfg.model)
    block = use_tiny_block(cfg.model, tmp_path / 'bgl.pth')
    root = make_darkface(tmp_path / 'df')
    (tmp_path / 'df' / 'train.txt').write_text('1\n10\n')
    pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations', with_bbox=True),
                dict(type='Pad', size=(96, 64)), cfg.train_pipeline[-2],
                dict(type='PackDetInputs')]
    assert pipeline[3]['type'] == 'mmruas.LowLightRaw'
    with DefaultScope.overwrite_default_scope('mmdet'):
        ds = DATASETS.build(dict(type='DarkFaceDataset', data_root=root, ann_file='train.txt',
                                 pipeline=pipeline))
        model = build_model(cfg)
    batch = pseudo_collate([ds[0], ds[1]])
    assert batch['inputs'][0].shape == (4, 32, 48)   # packed RAW of the padded 96 x 64 (w x h)
    before, after = train_step_with_frozen_block(model, block, batch)
    assert any(not torch.equal(after[k], v) for k, v in before.items() if k.startswith('neck.'))


def test_multi_scale_flip_test_with_tools_test_tta(tmp_path):
    """``tools/test.py --tta`` wraps the detector in the config's DetTTAModel (multi-scale +
    flip, merged by NMS) and evaluates AP on the test set with it."""

    from mmengine.runner import Runner

    tool = load_tool('test.py')
    cfg = load_tiny(MAIN)
    root = make_darkface(tmp_path / 'df')
    (tmp_path / 'df' / 'test.txt').write_text('1\n2\n')
    # the config's 1x / 1.5x / 2x + flip test, at the fixture's scale
    cfg.tta_pipeline[1].transforms[0] = [dict(type='Resize', scale=s, keep_ratio=True)
                                         for s in [(96, 64), (144, 96)]]
    cfg.test_dataloader.update(num_workers=0, persistent_workers=False)
    cfg.test_dataloader.dataset.data_root = root
    tool.enable_tta(cfg)
    assert cfg.model.type == 'DetTTAModel' and cfg.model.module.type == 'SingleStageDetector'
    assert cfg.test_dataloader.dataset.pipeline[1].type == 'TestTimeAug'
    torch.manual_seed(0)
    ckpt = tmp_path / 'tiny.pth'
    torch.save({'state_dict': build_model(load_tiny(MAIN)).state_dict()}, ckpt)
    cfg.update(work_dir=str(tmp_path / 'work'), load_from=str(ckpt), log_level='WARNING',
               train_dataloader=None, train_cfg=None, optim_wrapper=None, param_scheduler=None,
               val_dataloader=None, val_cfg=None, val_evaluator=None)
    cfg.default_hooks.visualization.draw = False
    metrics = Runner.from_cfg(cfg).test()
    assert 0.0 <= metrics['pascal_voc/mAP'] <= 1.0
    bare = Config(dict(model=dict(type='SingleStageDetector'), tta_pipeline=[],
                       test_dataloader=dict(dataset=dict(pipeline=[]))))
    with pytest.raises(ToolError, match='--tta needs tta_model'):
        tool.enable_tta(bare)


def train_and_evaluate(cfg: Config, root: str, train: list, test: list, work_dir,
                       **dataset):
    """One epoch (train.txt at batch 2) then the config's evaluator on test.txt, through the
    Runner; ``dataset`` adds data set arguments to both loaders. Asserts a valid mAP."""
    from mmengine.runner import Runner

    cfg.train_dataloader.update(batch_size=2, num_workers=0, persistent_workers=False)
    cfg.train_dataloader.dataset.update(data_root=root, pipeline=train, **dataset)
    cfg.val_dataloader.update(num_workers=0, persistent_workers=False)
    cfg.val_dataloader.dataset.update(data_root=root, pipeline=test, **dataset)
    cfg.update(work_dir=str(work_dir), log_level='WARNING', test_dataloader=None,
               test_cfg=None, test_evaluator=None)
    cfg.train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1, val_interval=1)
    cfg.param_scheduler = None
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=100)
    cfg.default_hooks.visualization.draw = False
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert 0.0 <= runner.val_loop.run()['pascal_voc/mAP'] <= 1.0
    return runner


def test_baseline_trains_and_evaluates_on_another_enhancers_images(tmp_path):
    """Table IX's enhancer + DSFD rows: the baseline (no scene) trains one iteration and is
    evaluated on an enhanced twin of the DARK FACE tree (``enhanced_root``), labels and list
    still read from the data root."""
    import numpy as np
    from PIL import Image

    cfg = load_tiny(VARIANTS['baseline_no_scene'])
    root = make_darkface(tmp_path / 'df')
    enhanced = tmp_path / 'enhanced'
    (enhanced / 'image').mkdir(parents=True)
    for img in (tmp_path / 'df' / 'image').iterdir():
        Image.fromarray(np.clip(np.asarray(Image.open(img)) * 4, 0, 255).astype(np.uint8)).save(
            enhanced / 'image' / img.name)
    (tmp_path / 'df' / 'train.txt').write_text('1\n10\n')
    (tmp_path / 'df' / 'test.txt').write_text('2\n')
    pipe = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations', with_bbox=True),
            dict(type='Resize', scale=(96, 64), keep_ratio=True), dict(type='PackDetInputs')]
    test_pipe = [pipe[0], pipe[2], pipe[1],
                 dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape',
                                                       'img_shape', 'scale_factor'))]
    runner = train_and_evaluate(cfg, root, pipe, test_pipe, tmp_path / 'work',
                                enhanced_root=str(enhanced))
    info = runner.val_dataloader.dataset.get_data_info(0)
    assert info['img_path'] == str(enhanced / 'image' / '2.png') and len(info['instances']) == 1


def test_bgl_transfer_config_runs_one_iteration_and_its_evaluator(tmp_path):
    """BGL Table 3's detection transfer (configs/bgl/bgl_transfer_dsfd_darkface.py) through
    the Runner: one training iteration on synthesised low-light RAW through the frozen block,
    then the DARK FACE evaluator on the seeded test synthesis."""
    cfg = load_tiny(REPO / 'configs' / 'bgl' / 'bgl_transfer_dsfd_darkface.py')
    block = use_tiny_block(cfg.model, tmp_path / 'bgl.pth')
    root = make_darkface(tmp_path / 'df')
    (tmp_path / 'df' / 'train.txt').write_text('1\n10\n')
    (tmp_path / 'df' / 'test.txt').write_text('2\n')
    raw = cfg.low_light_raw
    resize = dict(type='Resize', scale=(96, 64), keep_ratio=False)
    train = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations', with_bbox=True),
             resize, raw, dict(type='PackDetInputs')]
    test = [dict(type='LoadImageFromFile'), resize, dict(type='LoadAnnotations', with_bbox=True),
            dict(raw, seed=0), cfg.test_pipeline[-1]]
    runner = train_and_evaluate(cfg, root, train, test, tmp_path / 'work')
    for k, v in block.state_dict().items():      # the block stayed frozen
        assert torch.equal(runner.model.data_preprocessor.scene.state_dict()[k], v)
