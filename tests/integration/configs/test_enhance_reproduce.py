"""The enhancement tables of RUAS-TPAMI (Tables II-V, §6.1): protocol numbers read from the
resolved configs, and every config built and run for one iteration (plus its PSNR / SSIM /
LPIPS evaluation for the trained networks) on tiny LOL-v2 and MIT-Adobe 5K fixtures in
their distributed layouts."""
from __future__ import annotations

import math
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

import mmruas  # noqa: F401  (registers the modules)
from mmruas.datasets import LOLv2Dataset, MIT5KDataset
from mmruas.evaluation import LPIPSNet
from tests.helpers import REPO
from tests.helpers.data import make_tiny_lolv2, make_tiny_mit5k
from tests.helpers.tools import load_tool

torch.set_num_threads(1)

make_split = load_tool('dataset_converters', 'make_split.py')

ENH = 'configs/ruas_enhance'
SEARCH = {f'{ENH}/lolv2/ruas_search_lolv2.py': ('cooperative', 6900),
          f'{ENH}/lolv2/ruas_search_lolv2_global.py': ('global', 6900),
          f'{ENH}/lolv2/ruas_search_lolv2_independent.py': ('independent', 6900 + 690),
          f'{ENH}/mit5k/ruas_search_mit5k.py': ('cooperative', 5000)}
OPS = {'1c': '1-C', '3c': '3-C', '1rc': '1-RC', '3rc': '3-RC', '3_2dc': '3-2-DC',
       '3_2rdc': '3-2-RDC'}
# trained networks: config -> (variant, K, iterations = 20 epochs x images at batch 1)
TRAIN = {
    **{f'{ENH}/lolv2/{v.lower()}_lolv2.py': (v, 3, 13780) for v in ('RUAS_S', 'RUAS', 'RUAS_A')},
    **{f'{ENH}/mit5k/{v.lower()}_mit5k.py': (v, 3, 10000) for v in ('RUAS_S', 'RUAS', 'RUAS_A')},
    **{f'{ENH}/mit5k/ruas_s_mit5k_k{k}.py': ('RUAS_S', k, 10000) for k in range(1, 6)},
    f'{ENH}/mit5k/ruas_mit5k_supernet.py': ('RUAS', 3, 10000),
    **{f'{ENH}/mit5k/ruas_mit5k_op_{k}.py': ('RUAS', 3, 10000) for k in OPS},
}


def get(cfg, dotted: str):
    """``cfg`` at a dotted path (integers index lists)."""
    node = cfg
    for part in dotted.split('.'):
        node = node[int(part)] if isinstance(node, (list, tuple)) else node[part]
    return node


# ----------------------------------------------------------------------------- protocol
@pytest.mark.parametrize('path', sorted(SEARCH))
def test_search_protocol(path):
    """§6.1: 20 epochs, batch 1, α lr 3e-4 and weight decay 1e-3; an epoch = one pass over
    the ω half (⌈n/2⌉ of n = 689 LOL / 500 MIT images)."""
    cfg = Config.fromfile(str(REPO / path))
    strategy, iters = SEARCH[path]
    assert cfg.train_dataloader.batch_size == 1
    assert cfg.train_cfg.max_iters == iters
    assert cfg.epochs == 20
    assert cfg.iters_per_epoch == math.ceil(cfg.num_search / 2)
    assert cfg.num_search == (500 if 'mit5k' in path else 689)
    for part in ('scene_alpha', 'task_alpha'):
        assert get(cfg, f'optim_wrapper.{part}.optimizer.lr') == 3e-4
        assert get(cfg, f'optim_wrapper.{part}.optimizer.weight_decay') == 1e-3
    hook = cfg.custom_hooks[0]
    assert (hook.type, hook.strategy) == ('CooperativeSearchHook', strategy)
    if strategy == 'independent':
        assert hook.scene_iters == 6900
    assert osp.isfile(hook.retrain_base), hook.retrain_base
    assert cfg.model.scene.iem.num_stages == 3
    assert (cfg.model.scene.iem.width, cfg.model.scene.nrm.width) == (3, 6)   # §6.1


@pytest.mark.parametrize('path', sorted(TRAIN))
def test_train_protocol(path):
    cfg = Config.fromfile(str(REPO / path))
    variant, k, iters = TRAIN[path]
    assert cfg.model.scene.variant == variant
    assert cfg.model.scene.iem.num_stages == k
    assert cfg.train_dataloader.batch_size == 1
    assert cfg.train_cfg.max_iters == iters
    assert [m['type'] for m in cfg.test_evaluator] == ['PSNR', 'SSIM', 'LPIPS']
    # "the same training losses as" the search (§6.1)
    search = Config.fromfile(str(REPO / ENH / 'search' / 'ruas_search_lol5.py'))
    assert cfg.model.scene_loss == search.model.scene_loss
    if variant != 'RUAS_S':
        assert cfg.model.nrm_loss == search.model.nrm_loss
    if 'supernet' in path:
        assert cfg.model.scene.iem.genotype is None and cfg.model.scene.nrm.genotype is None
    for key, op in OPS.items():
        if path.endswith(f'_op_{key}.py'):
            assert cfg.model.scene.iem.genotype == [op] * 7 == cfg.model.scene.nrm.genotype
    ds = cfg.test_dataloader.dataset
    if 'mit5k' in path:
        assert (ds.type, ds.ann_file, cfg.train_dataloader.dataset.ann_file) == (
            'MIT5KDataset', 'test.txt', 'train.txt')
    else:
        assert (ds.type, ds.split, cfg.train_dataloader.dataset.split) == (
            'LOLv2Dataset', 'test', 'train')


# ----------------------------------------------------------------------------- smoke runs
@pytest.fixture(scope='module')
def data(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('enhance')
    lol = make_tiny_lolv2(str(tmp / 'Real_captured'), n_train=4, n_test=2)
    mit = make_tiny_mit5k(str(tmp / 'mit5k'), n=6)
    make_split.make_split('mit5k', mit, seed=0, sizes=(4, 2))
    torch.manual_seed(0)
    from torchvision.models import alexnet
    net = {f'features.{k}': v for k, v in alexnet(weights=None).features.state_dict().items()}
    torch.save(net, tmp / 'alexnet.pth')
    torch.save({f'lin{k}.model.1.weight': torch.rand(1, c, 1, 1)
                for k, c in enumerate(LPIPSNet.CHANNELS)}, tmp / 'alex.pth')
    return dict(LOLv2Dataset=lol, MIT5KDataset=mit, net=str(tmp / 'alexnet.pth'),
                lin=str(tmp / 'alex.pth'))


def tiny(cfg: Config, data: dict, work_dir: str, iters: int = 1) -> Config:
    """The config on the fixtures: 16² crops, no workers, ``iters`` iterations, local LPIPS."""
    cfg.work_dir = work_dir
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(key)
        if not loader:
            continue
        loader.num_workers, loader.persistent_workers = 0, False
        loader.dataset.data_root = data[loader.dataset.type]
        loader.dataset.pipeline = [dict(t, crop_size=16) if t['type'] == 'PairedRandomCrop'
                                   else t for t in loader.dataset.pipeline]
    for metric in cfg.get('test_evaluator') or []:
        if metric['type'] == 'LPIPS':
            metric.update(net_weights=data['net'], lin_weights=data['lin'])
    cfg.val_evaluator = cfg.get('test_evaluator')
    cfg.train_cfg.update(max_iters=iters, val_interval=iters + 1)
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.interval = iters + 1
    return cfg


@pytest.mark.parametrize('path', sorted(SEARCH))
def test_search_runs(path, data, tmp_path):
    cfg = tiny(Config.fromfile(str(REPO / path)), data, str(tmp_path), iters=2)
    if SEARCH[path][0] == 'independent':
        cfg.custom_hooks[0].scene_iters = 1    # one IEM iteration, then one NRM iteration
    runner = Runner.from_cfg(cfg)
    before = {n: p.detach().clone() for n, p in runner.model.named_parameters()
              if n.endswith('arch_alpha')}
    runner.train()
    moved = {n for n, p in runner.model.named_parameters()
             if n in before and not torch.equal(p.detach(), before[n])}
    assert any('.iem.' in n for n in moved) and any('.nrm.' in n for n in moved)
    retrain = Config.fromfile(str(tmp_path / 'retrain_config.py'))
    assert len(retrain.model.scene.iem.genotype) == 7
    assert retrain.train_cfg.max_iters == (10000 if 'mit5k' in path else 13780)


@pytest.mark.parametrize('path', sorted(TRAIN))
def test_train_runs_and_evaluates(path, data, tmp_path):
    cfg = tiny(Config.fromfile(str(REPO / path)), data, str(tmp_path))
    runner = Runner.from_cfg(cfg)
    assert len(runner.model.scene.iem.stages) == TRAIN[path][1]
    runner.train()
    metrics = runner.test()
    assert set(metrics) == {'PSNR', 'SSIM', 'LPIPS'}
    assert all(math.isfinite(v) for v in metrics.values())
    assert 0 < metrics['SSIM'] <= 1 and metrics['LPIPS'] >= 0
    n_test = 2
    assert len(runner.test_dataloader.dataset) == n_test


# ----------------------------------------------------------------------------- data sets
def names(ds) -> list[str]:
    return [ds.get_data_info(i)['name'] for i in range(len(ds))]

def test_lolv2_pairs_by_number_and_official_split(tmp_path):
    root = make_tiny_lolv2(str(tmp_path / 'lol'), n_train=3, n_test=2)
    train = LOLv2Dataset(root, split='train')
    assert [osp.basename(train.get_data_info(i)['gt_path']) for i in range(3)] == [
        'normal00001.png', 'normal00002.png', 'normal00003.png']
    assert names(LOLv2Dataset(root, split='test')) == [
        'Test/Low/low00004.png', 'Test/Low/low00005.png']
    assert len(LOLv2Dataset(root, split=None)) == 5
    (tmp_path / 'lol' / 'Test' / 'Normal' / 'normal00005.png').unlink()
    with pytest.raises(FileNotFoundError, match='low00005.png'):
        LOLv2Dataset(root, split='test')


def test_lolv2_identical_names_pair(tmp_path):
    root = make_tiny_lolv2(str(tmp_path / 'lol'), n_train=2, n_test=1)
    for p in (tmp_path / 'lol' / 'Train' / 'Normal').iterdir():
        p.rename(p.with_name(p.name.replace('normal', 'low')))
    ds = LOLv2Dataset(root, split='train')
    gts = [osp.basename(ds.get_data_info(i)['gt_path']) for i in range(len(ds))]
    assert gts == ['low00001.png', 'low00002.png']


def test_mit5k_expert_c_by_stem_and_ann_file(tmp_path):
    root = make_tiny_mit5k(str(tmp_path / 'mit'), n=3, expert_dir='Expert-C')
    ds = MIT5KDataset(root)
    assert ds.gt_dir == 'Expert-C' and len(ds) == 3
    assert osp.basename(ds.get_data_info(0)['gt_path']) == 'a0001.png'
    (tmp_path / 'mit' / 'list.txt').write_text('# two\na0003.jpg\na0001.jpg\n')
    assert names(MIT5KDataset(root, ann_file='list.txt')) == [
        'a0003.jpg', 'a0001.jpg']
    (tmp_path / 'mit' / 'bad.txt').write_text('a0009.jpg\n')
    with pytest.raises(FileNotFoundError, match="bad.txt.*'a0009.jpg'"):
        MIT5KDataset(root, ann_file='bad.txt')
