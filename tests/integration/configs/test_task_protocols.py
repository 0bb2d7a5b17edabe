"""The detection and segmentation protocols of RUAS-TPAMI §7 in the configs.

Search (§7.1, §7.2): 30 epochs at batch 1, lr 3e-4, weight decay 5e-4, the backbone fixed —
its weights in no optimiser group, unchanged by a search step, its BN statistics frozen.
Splits: ExDark's random 5,200 / 1,200 lists by default (the official split as an option),
DARK FACE's random 5,000 / 1,000, ACDC night's official 400 / 106. Segmentation starts from a
trained DeepLab-v3+ (§7.2) and reports Table XI's 17-class mean beside the 19-class one.
"""
from __future__ import annotations

import logging
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.logging import MMLogger
from mmengine.runner import Runner
from PIL import Image

import mmruas  # noqa: F401  (registers the models)
from mmruas.det.datasets import write_exdark_split
from mmruas.det.datasets.mini_exdark import make_mini_exdark
from mmruas.utils import weight_files
from tests.helpers import REPO
from tests.helpers.data import make_tiny_acdc
from tests.helpers.seg import PIPELINE
from tests.helpers.seg import tiny as seg_tiny

torch.set_num_threads(1)

CFG = REPO / 'configs'
EXDARK_SEARCH = CFG / 'ruas_ssd_exdark' / 'ruas_ssd_exdark_search.py'
ACDC_MAIN = CFG / 'ruas_deeplabv3plus_acdc.py'
ACDC_TM = CFG / 'ruas_deeplabv3plus_acdc' / 'deeplabv3plus_acdc_tm.py'
EXDARK_TM = CFG / 'ruas_ssd_exdark' / 'ruas_ssd_exdark_tm.py'
ACDC_SEARCH = CFG / 'ruas_deeplabv3plus_acdc' / 'ruas_deeplabv3plus_acdc_search.py'
DEEPLAB_R101 = ('data/pretrained/'
                'deeplabv3plus_r101-d8_512x1024_80k_cityscapes_20200606_114143-068fcfe9.pth')
SEARCHES = {  # config: (search-set size, batch)
    EXDARK_SEARCH: 5200,
    CFG / 'ruas_dsfd_darkface' / 'ruas_dsfd_darkface_search.py': 5000,
    CFG / 'ruas_ssd_darkface' / 'ruas_ssd_darkface_search.py': 5000,
    ACDC_SEARCH: 400,
}


class Snapshot(Hook):
    """The task backbone's (and image pool's) state when training starts (after the
    Runner's weight initialisation)."""

    def before_train(self, runner) -> None:
        task = runner.model.task
        self.backbone = {k: v.clone() for k, v in task.backbone.state_dict().items()}
        head = getattr(task, 'decode_head', None)
        self.pool = ({k: v.clone() for k, v in head.image_pool.state_dict().items()}
                     if hasattr(head, 'image_pool') else {})


def quiet() -> None:
    MMLogger.get_current_instance().setLevel(logging.WARNING)


def common(cfg: Config, work_dir: Path) -> Config:
    cfg.work_dir = str(work_dir)
    cfg.log_level = 'WARNING'
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=100)
    cfg.env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend='gloo'))
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if cfg.get(key):
            cfg[key].update(num_workers=0, persistent_workers=False)
    return cfg


@pytest.mark.parametrize('path', sorted(SEARCHES), ids=lambda p: p.stem)
def test_search_protocol(path):
    """§7.1 / §7.2: 30 epochs of the training half at batch 1, lr 3e-4, wd 5e-4, backbone fixed."""
    cfg = Config.fromfile(str(path))
    half = (SEARCHES[path] + 1) // 2
    assert cfg.model.type == 'SceneTaskSearchModel' and cfg.model.freeze_backbone is True
    assert cfg.train_dataloader.batch_size == 1
    assert cfg.train_cfg.max_iters == 30 * half
    assert tuple(cfg.custom_hooks[0].phase_iters) == (half, half)
    for key in ('scene_w', 'task_w', 'scene_alpha', 'task_alpha'):
        opt = cfg.optim_wrapper[key].optimizer
        assert (opt.lr, opt.weight_decay) == (3e-4, 5e-4), key
    # a fixed backbone is a trained one: the search reads its weights from a file
    files = dict(weight_files(cfg))
    assert any(k.startswith('model.task.') and 'checkpoint' in k for k in files), files


def test_split_defaults():
    main = Config.fromfile(str(CFG / 'ruas_ssd_exdark.py'))
    assert main.train_dataloader.dataset.ann_file == 'ruas_train.txt'
    assert main.train_dataloader.dataset.split is None
    assert main.test_dataloader.dataset.ann_file == 'ruas_test.txt'
    assert main.val_dataloader.dataset.ann_file == 'ruas_test.txt'
    for name in ('ruas_ssd_exdark_search.py', 'ruas_ssd_exdark_stage1.py'):
        cfg = Config.fromfile(str(CFG / 'ruas_ssd_exdark' / name))
        assert cfg.train_dataloader.dataset.ann_file == 'ruas_train.txt', name
    official = Config.fromfile(str(CFG / '_base_' / 'datasets' / 'exdark_official.py'))
    assert official.train_dataloader.dataset.split == 'train'
    assert official.test_dataloader.dataset.split == 'test'
    for name in ('ruas_ssd_darkface.py', 'ruas_dsfd_darkface.py'):
        cfg = Config.fromfile(str(CFG / name))
        assert cfg.train_dataloader.dataset.ann_file == 'train.txt'
        assert cfg.test_dataloader.dataset.ann_file == 'test.txt'
    acdc = Config.fromfile(str(ACDC_MAIN))
    assert (acdc.train_dataloader.dataset.split, acdc.test_dataloader.dataset.split) == (
        'train', 'val')


def test_segmentation_starts_from_trained_deeplab_and_reports_17_classes():
    cfg = Config.fromfile(str(ACDC_MAIN))
    assert cfg.model.init_cfg == dict(type='Pretrained', checkpoint=DEEPLAB_R101)
    assert cfg.model.pretrained is None
    assert dict(weight_files(cfg))['model.init_cfg.checkpoint'] == DEEPLAB_R101
    assert cfg.test_evaluator.subsets == dict(mIoU17='ruas_tpami_table_xi')
    search = Config.fromfile(str(ACDC_SEARCH))
    assert search.model.task.init_cfg.checkpoint == DEEPLAB_R101
    lam = Config.fromfile(str(CFG / 'ruas_deeplabv3plus_acdc' /
                              'ruas_deeplabv3plus_acdc_e2e_lam0.1.py'))
    assert lam.model.task.init_cfg.checkpoint == DEEPLAB_R101


@pytest.fixture(scope='module')
def acdc(tmp_path_factory) -> str:
    root = str(tmp_path_factory.mktemp('acdc'))
    make_tiny_acdc(root, splits=(('train', 2), ('val', 2)))
    return root


def test_acdc_search_batch1_keeps_backbone_and_pool_statistics(acdc, tmp_path):
    """Two search iterations at batch 1: backbone weights and BN statistics unchanged, the
    image-pooling BN in eval mode (its statistics unchanged), the ASPP α moved."""
    cfg = Config.fromfile(str(ACDC_SEARCH))
    seg_tiny(cfg.model.task)
    cfg.model.task.init_cfg = None
    cfg = common(cfg, tmp_path / 'search')
    cfg.train_dataloader.dataset = dict(type='ACDCDataset', data_root=acdc, split='train',
                                        pipeline=PIPELINE)
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=2, val_interval=3)
    cfg.custom_hooks[0].update(phase_iters=(1, 1), retrain_base=str(ACDC_MAIN))
    runner = Runner.from_cfg(cfg)
    quiet()
    model = runner.model
    snap = Snapshot()
    runner.register_hook(snap)
    alpha = [p.detach().clone() for p in model.search_groups()['task_alpha']]
    in_groups = {id(p) for g in model.search_groups().values() for p in g}
    assert not any(id(p) in in_groups for p in model.task.backbone.parameters())
    runner.train()
    assert not model.task.backbone.training and not model.task.decode_head.image_pool.training
    assert model.task.decode_head.training
    for k, v in model.task.backbone.state_dict().items():
        assert torch.equal(v, snap.backbone[k]), k     # weights and running statistics
    pool = model.task.decode_head.image_pool.state_dict()
    assert any('running_mean' in k for k in pool)
    for k, v in pool.items():
        if 'running' in k:
            assert torch.equal(v, snap.pool[k]), k
    assert any(not torch.equal(a, b) for a, b in
               zip(model.search_groups()['task_alpha'], alpha))


@pytest.mark.parametrize('path', [ACDC_MAIN, ACDC_TM], ids=lambda p: p.stem)
def test_acdc_main_trains_one_iteration_and_reports_miou17(path, acdc, tmp_path):
    cfg = Config.fromfile(str(path))
    seg_tiny(cfg.model)
    cfg.model.init_cfg = None
    cfg = common(cfg, tmp_path / 'main')
    cfg.train_dataloader.update(batch_size=2, dataset=dict(data_root=acdc, pipeline=PIPELINE))
    cfg.val_dataloader.dataset.update(data_root=acdc, pipeline=PIPELINE)
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=1, val_interval=1)
    cfg.test_dataloader = cfg.test_cfg = cfg.test_evaluator = None
    runner = Runner.from_cfg(cfg)
    quiet()
    runner.train()
    metrics = runner.val_loop.run()
    assert {'mIoU', 'mIoU17'} <= set(metrics)
    assert 0.0 <= metrics['mIoU17'] <= 100.0


def test_exdark_random_split_search_step_and_main_iteration(tmp_path):
    """The random-split lists drive the search (frozen VGG16 unchanged by a step) and the
    main config (one iteration, then its ExDark VOC evaluator)."""
    root = tmp_path / 'exdark'
    make_mini_exdark(str(root), n_train=2, n_val=1, n_test=1)
    write_exdark_split(str(root), [str(root / 'ruas_train.txt'), str(root / 'ruas_test.txt')],
                       sizes=(2, 1))
    pipe = [dict(type='LoadImageFromFile', color_type='color_ignore_orientation'),
            dict(type='LoadAnnotations', with_bbox=True),
            dict(type='Resize', scale=(300, 300), keep_ratio=False), dict(type='PackDetInputs')]

    cfg = Config.fromfile(str(EXDARK_SEARCH))
    cfg.model.task.backbone.init_cfg = None
    cfg = common(cfg, tmp_path / 'search')
    cfg.train_dataloader.dataset.update(data_root=str(root), pipeline=pipe)
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=1, val_interval=2)
    cfg.custom_hooks[0].update(phase_iters=(1, 1), retrain_base=str(CFG / 'ruas_ssd_exdark.py'))
    runner = Runner.from_cfg(cfg)
    quiet()
    snap = Snapshot()
    runner.register_hook(snap)
    runner.train()
    assert runner.iter == 1
    for k, v in runner.model.task.backbone.state_dict().items():
        assert torch.equal(v, snap.backbone[k]), k

    # the plain SSD of Table X's comparison rows on an enhanced twin of the tree (enhanced_root:
    # docs/reproduce.md#comparison-rows); the main config's iteration on the random-split list
    # is tests/integration/configs/test_devices.py's
    enhanced = tmp_path / 'enhanced'
    for img in root.glob('ExDark/*/*'):
        dst = enhanced / img.relative_to(root).with_suffix('.png')
        dst.parent.mkdir(parents=True, exist_ok=True)
        Image.open(img).point(lambda v: min(255, 4 * v)).save(dst)
    path, enh = EXDARK_TM, str(enhanced)
    cfg = Config.fromfile(str(path))
    cfg.model.backbone.init_cfg = None
    cfg.model.data_preprocessor.pop('scene_checkpoint', None)
    cfg = common(cfg, tmp_path / path.stem)
    cfg.train_dataloader.update(batch_size=2, dataset=dict(data_root=str(root), pipeline=pipe,
                                                           enhanced_root=enh))
    cfg.val_dataloader.update(batch_size=1)
    cfg.val_dataloader.dataset.update(data_root=str(root), enhanced_root=enh)
    cfg.train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1, val_interval=1)
    cfg.test_dataloader = cfg.test_cfg = cfg.test_evaluator = None
    runner = Runner.from_cfg(cfg)
    quiet()
    runner.train()
    assert runner.iter == 1 and len(runner.val_dataloader.dataset) == 1
    assert 0.0 <= runner.val_loop.run()['pascal_voc/mAP'] <= 1.0
    read_from = runner.val_dataloader.dataset.get_data_info(0)['img_path']
    assert read_from.startswith(enh), read_from
