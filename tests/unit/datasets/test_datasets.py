"""Data sets, loading, paired augmentation and packing, end to end to the preprocessor."""
from __future__ import annotations

import os.path as osp
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope

from mmruas.datasets import (
    LoadGtImage,
    LoadLowLightImage,
    LOLDataset,
    PackEnhanceInputs,
    PairedFolderDataset,
    PairedRandomCrop,
    PairedRandomFlip,
    UnpairedFolderDataset,
)
from mmruas.models.data_preprocessors import EnhanceDataPreprocessor
from mmruas.registry import DATASETS
from tests.helpers import REFERENCE

REFERENCE_LOL = Path(REFERENCE) / 'lol'
PIPELINE = [dict(type='LoadLowLightImage'), dict(type='LoadGtImage'),
            dict(type='PackEnhanceInputs')]


def _write(path: Path, h: int = 8, w: int = 10, seed: int = 0, dtype=np.uint8,
           channels: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    top = np.iinfo(dtype).max
    img = rng.integers(0, top + 1, (h, w, channels) if channels > 1 else (h, w), dtype=dtype)
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), img)
    return img


def _lol(root: Path, names=('1.png', '2.png', '10.png'), low='low', high='high') -> None:
    for i, name in enumerate(names):
        _write(root / low / name, seed=i)
        _write(root / high / name, seed=100 + i)


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope('mmruas')


# ----------------------------------------------------------------------------- LOL
def test_lol_distributed_layout(tmp_path):
    _lol(tmp_path / 'our485')
    _lol(tmp_path / 'eval15', names=('a.png', 'b.png'))
    train = LOLDataset(str(tmp_path), split='train')
    assert len(train) == 3
    names = [osp.basename(train.get_data_info(i)['img_path']) for i in range(3)]
    assert names == ['1.png', '10.png', '2.png']  # sorted by name
    for i in range(3):
        info = train.get_data_info(i)
        assert info['img_path'] == str(tmp_path / 'our485' / 'low' / names[i])
        assert info['gt_path'] == str(tmp_path / 'our485' / 'high' / names[i])
    for split in ('test', 'eval'):
        ds = DATASETS.build(dict(type='LOLDataset', data_root=str(tmp_path), split=split))
        assert len(ds) == 2
        assert ds.get_data_info(1)['gt_path'] == str(tmp_path / 'eval15' / 'high' / 'b.png')


def test_lol_flat_layout_ignores_other_folders(tmp_path):
    _lol(tmp_path)
    (tmp_path / 'released_result').mkdir()
    _write(tmp_path / 'released_result' / '1.png')
    ds = LOLDataset(str(tmp_path), split=None)
    assert len(ds) == 3
    assert ds.get_data_info(0)['gt_path'] == str(tmp_path / 'high' / '1.png')


def test_lol_missing_gt_names_file(tmp_path):
    _lol(tmp_path)
    _write(tmp_path / 'low' / '7.png')
    with pytest.raises(FileNotFoundError, match=r'7\.png'):
        LOLDataset(str(tmp_path), split=None)
    ds = LOLDataset(str(tmp_path), split=None, skip_unpaired=True)
    assert len(ds) == 3


def test_lol_missing_paths(tmp_path):
    with pytest.raises(FileNotFoundError, match='nowhere'):
        LOLDataset(str(tmp_path / 'nowhere'), split=None)
    _lol(tmp_path / 'our485')
    with pytest.raises(FileNotFoundError, match='eval15'):
        LOLDataset(str(tmp_path), split='test')
    with pytest.raises(ValueError, match='split'):
        LOLDataset(str(tmp_path), split='val')


@pytest.mark.skipif(not REFERENCE_LOL.is_dir(),
                    reason=f'reference LOL subset not present at {REFERENCE_LOL}')
def test_lol_reference_subset():
    ds = LOLDataset(str(REFERENCE_LOL), split=None, pipeline=PIPELINE, test_mode=True)
    assert len(ds) == 5
    assert [osp.basename(ds.get_data_info(i)['img_path']) for i in range(5)] == [
        '00001.png', '00091.png', '00271.png', '00451.png', '00481.png']
    item = ds[0]
    assert item['inputs'].shape == (3, 400, 600) and item['inputs'].dtype == torch.uint8
    assert item['data_samples'].gt_img.shape == (3, 400, 600)


# ----------------------------------------------------------------------------- folders
def test_paired_folder_mixed_extensions(tmp_path):
    for i, (a, b) in enumerate([('a0001.jpg', 'a0001.tif'), ('a0002.png', 'a0002.jpg'),
                                ('a0003.tif', 'a0003.png')]):
        _write(tmp_path / 'input' / a, seed=i)
        _write(tmp_path / 'expertC' / b, seed=i)
    (tmp_path / 'input' / 'notes.txt').write_text('not an image')
    ds = PairedFolderDataset(str(tmp_path), input_dir='input', gt_dir='expertC')
    pairs = [(osp.basename(d['img_path']), osp.basename(d['gt_path']))
             for d in (ds.get_data_info(i) for i in range(len(ds)))]
    assert pairs == [('a0001.jpg', 'a0001.tif'), ('a0002.png', 'a0002.jpg'),
                     ('a0003.tif', 'a0003.png')]


def test_paired_folder_errors(tmp_path):
    _write(tmp_path / 'input' / 'x.jpg')
    _write(tmp_path / 'input' / 'y.jpg')
    _write(tmp_path / 'expertC' / 'x.png')
    with pytest.raises(FileNotFoundError, match=r'y\.jpg'):
        PairedFolderDataset(str(tmp_path))
    assert len(PairedFolderDataset(str(tmp_path), skip_unpaired=True)) == 1
    with pytest.raises(FileNotFoundError, match='expertA'):
        PairedFolderDataset(str(tmp_path), gt_dir='expertA')
    (tmp_path / 'empty').mkdir()
    with pytest.raises(ValueError, match='empty'):
        PairedFolderDataset(str(tmp_path), gt_dir='empty')
    _write(tmp_path / 'expertC' / 'x.tif')
    with pytest.raises(ValueError, match='ambiguous'):
        PairedFolderDataset(str(tmp_path), skip_unpaired=True)
    with pytest.raises(FileNotFoundError, match='missing_root'):
        PairedFolderDataset(str(tmp_path / 'missing_root'))


def test_unpaired_folder(tmp_path):
    _write(tmp_path / 'b.png')
    _write(tmp_path / 'a.JPG')
    _write(tmp_path / 'sub' / 'c.png')
    (tmp_path / 'readme.md').write_text('x')
    flat = UnpairedFolderDataset(str(tmp_path))
    assert [osp.basename(d['img_path']) for d in (flat.get_data_info(i) for i in range(2))] \
        == ['a.JPG', 'b.png']
    assert 'gt_path' not in flat.get_data_info(0)
    deep = UnpairedFolderDataset(str(tmp_path), recursive=True)
    assert [osp.relpath(deep.get_data_info(i)['img_path'], tmp_path) for i in range(3)] == [
        'a.JPG', 'b.png', osp.join('sub', 'c.png')]
    only_png = UnpairedFolderDataset(str(tmp_path), extensions=('png',), recursive=True)
    assert len(only_png) == 2
    with pytest.raises(ValueError, match='no images'):
        UnpairedFolderDataset(str(tmp_path / 'sub'), extensions=('.bmp',))
    with pytest.raises(FileNotFoundError, match='nope'):
        UnpairedFolderDataset(str(tmp_path / 'nope'))
    item = UnpairedFolderDataset(str(tmp_path), pipeline=[
        dict(type='LoadLowLightImage'), dict(type='PackEnhanceInputs')])[0]
    assert 'gt_img' not in item['data_samples'] and 'gt_path' not in item['data_samples']


# ----------------------------------------------------------------------------- loading
def test_loading_channels_depth_and_errors(tmp_path):
    gray = _write(tmp_path / 'g.png', channels=1, dtype=np.uint16)
    rgba = _write(tmp_path / 'a.png', channels=4)
    out = LoadLowLightImage()(dict(img_path=str(tmp_path / 'g.png')))
    assert out['img'].dtype == np.uint16 and out['img'].shape == (8, 10, 3)
    assert out['ori_shape'] == out['img_shape'] == (8, 10)
    assert (out['img'] == gray[..., None]).all()
    out = LoadGtImage()(dict(gt_path=str(tmp_path / 'a.png')))
    np.testing.assert_array_equal(out['gt_img'], rgba[..., :3])
    (tmp_path / 'bad.png').write_bytes(b'not a png')
    with pytest.raises(OSError, match=r'bad\.png'):
        LoadLowLightImage()(dict(img_path=str(tmp_path / 'bad.png')))
    with pytest.raises(FileNotFoundError, match=r'gone\.png'):
        LoadGtImage()(dict(gt_path=str(tmp_path / 'gone.png')))
    with pytest.raises(KeyError, match='gt_path'):
        LoadGtImage()(dict(img_path=str(tmp_path / 'a.png')))


# ----------------------------------------------------------------------------- end to end
def _expected(path: str) -> torch.Tensor:
    """cv2.imread(path)[..., ::-1] / 255 as 3 x H x W float32."""
    rgb = cv2.imread(path)[..., ::-1].astype(np.float32) / np.float32(255)
    return torch.from_numpy(rgb.transpose(2, 0, 1).copy())


@pytest.mark.parametrize('loader', ['LoadLowLightImage', 'LoadImageFromFile'])
def test_end_to_end_8bit(tmp_path, loader):
    _lol(tmp_path)
    pipeline = [dict(type=loader), dict(type='LoadGtImage'), dict(type='PackEnhanceInputs')]
    ds = LOLDataset(str(tmp_path), split=None, pipeline=pipeline, test_mode=True)
    item = ds[0]
    assert item['inputs'].dtype == torch.uint8 and item['inputs'].shape == (3, 8, 10)
    meta = item['data_samples'].metainfo
    assert meta['max_value'] == 255 and meta['gt_max_value'] == 255
    assert meta['ori_shape'] == meta['img_shape'] == (8, 10)
    assert meta['img_path'] == ds.get_data_info(0)['img_path']
    assert meta['gt_path'] == ds.get_data_info(0)['gt_path']
    batch = EnhanceDataPreprocessor()(pseudo_collate([ds[i] for i in range(3)]))
    assert batch['inputs'].dtype == torch.float32 and batch['inputs'].shape == (3, 3, 8, 10)
    for i, sample in enumerate(batch['data_samples']):
        info = ds.get_data_info(i)
        assert torch.equal(batch['inputs'][i], _expected(info['img_path']))
        assert torch.equal(sample.gt_img, _expected(info['gt_path']))
        assert sample.pad_shape == (8, 10)


def test_end_to_end_16bit(tmp_path):
    img16 = _write(tmp_path / 'low' / 'x.png', dtype=np.uint16, h=9, w=7)
    _write(tmp_path / 'high' / 'x.png', h=9, w=7)
    ds = LOLDataset(str(tmp_path), split=None, pipeline=PIPELINE)
    item = ds[0]
    assert item['inputs'].dtype == torch.uint16
    assert item['data_samples'].max_value == 65535
    assert item['data_samples'].gt_max_value == 255
    batch = EnhanceDataPreprocessor()(pseudo_collate([item]))
    rgb = img16[..., ::-1].astype(np.float32) / np.float32(65535)
    assert torch.equal(batch['inputs'][0], torch.from_numpy(rgb.transpose(2, 0, 1).copy()))
    assert torch.equal(batch['data_samples'][0].gt_img, _expected(str(tmp_path / 'high' / 'x.png')))


# ----------------------------------------------------------------------------- paired aug
def test_paired_crop_flip_keep_alignment(tmp_path):
    _write(tmp_path / 'low' / 'p.png', h=20, w=30, seed=5)
    (tmp_path / 'high').mkdir()
    shutil.copy(tmp_path / 'low' / 'p.png', tmp_path / 'high' / 'p.png')  # gt == input
    full = cv2.imread(str(tmp_path / 'low' / 'p.png'))
    pipeline = [dict(type='LoadLowLightImage'), dict(type='LoadGtImage'),
                dict(type='PairedRandomCrop', crop_size=(8, 12)),
                dict(type='PairedRandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
                dict(type='PackEnhanceInputs')]
    ds = LOLDataset(str(tmp_path), split=None, pipeline=pipeline)
    np.random.seed(0)
    seen = set()
    for _ in range(40):
        item = ds[0]
        meta = item['data_samples'].metainfo
        assert torch.equal(item['inputs'], item['data_samples'].gt_img)
        assert meta['img_shape'] == (8, 12) and meta['ori_shape'] == (20, 30)
        x1, y1, x2, y2 = meta['crop_bbox']
        window = full[y1:y2, x1:x2]
        for d in meta['flip_direction']:
            window = window[:, ::-1] if d == 'horizontal' else window[::-1]
        assert torch.equal(item['inputs'], torch.from_numpy(window.transpose(2, 0, 1).copy()))
        seen.add((x1, y1, tuple(meta['flip_direction'])))
    assert len(seen) > 10  # the window and the flips vary


def test_paired_transform_errors():
    img = np.zeros((6, 6, 3), np.uint8)
    with pytest.raises(ValueError, match='smaller than crop'):
        PairedRandomCrop(8)(dict(img=img, img_path='s.png'))
    with pytest.raises(ValueError, match='differ'):
        PairedRandomFlip(prob=1.0)(dict(img=img, gt_img=np.zeros((5, 6, 3), np.uint8)))
    with pytest.raises(ValueError, match='direction'):
        PairedRandomFlip(direction='diagonal')
    out = PairedRandomFlip(prob=1.0, direction='vertical')(
        dict(img=np.arange(18, dtype=np.uint8).reshape(3, 2, 3)))
    assert out['img'][0, 0, 0] == 12 and out['flip'] and out['img'].flags.c_contiguous
    out = PackEnhanceInputs()(dict(img=img, img_path='q.png'))
    assert 'gt_img' not in out['data_samples'] and out['data_samples'].max_value == 255
    with pytest.raises(ValueError, match=r'q\.png'):
        PackEnhanceInputs()(dict(img=img[..., 0], img_path='q.png'))
