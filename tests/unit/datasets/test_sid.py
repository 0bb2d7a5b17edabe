"""SID (Sony) data set, RAW packing and the rawpy path on DNG files written here."""
from __future__ import annotations

import os

import numpy as np
import pytest
import tifffile
from mmengine.registry import init_default_scope

import mmruas  # noqa: F401
from mmruas.datasets import SIDDataset, exposure_time, parse_sid_list
from mmruas.datasets.transforms import pack_raw, read_raw
from mmruas.datasets.transforms.raw_packing import bayer_offsets, postprocess_raw
from mmruas.registry import TRANSFORMS
from tests.helpers.data import SID_BLACK as BLACK
from tests.helpers.data import SID_WHITE as WHITE
from tests.helpers.data import make_tiny_sid


def test_pack_raw_on_arrays():
    bayer = np.arange(16, dtype=np.uint16).reshape(4, 4) * 1000 + 600
    packed = pack_raw(bayer, BLACK, WHITE)
    assert packed.shape == (2, 2, 4) and packed.dtype == np.float32
    # R(0,0)=600, Gr(0,1)=1600, Gb(1,0)=4600, B(1,1)=5600 in the first quad
    expect = (np.array([600, 1600, 4600, 5600]) - BLACK) / (WHITE - BLACK)
    assert np.allclose(packed[0, 0], expect)
    assert np.allclose(pack_raw(bayer, BLACK, WHITE, ratio=3.0, clip=False)[0, 0], 3 * expect)
    assert pack_raw(bayer, BLACK, WHITE, ratio=300.0).max() == 1.0          # clipped
    assert pack_raw(np.full((2, 2), 100, np.uint16), BLACK, WHITE).min() == 0.0  # below black
    # a BGGR sensor packs to the same (R, Gr, Gb, B) order
    offs = bayer_offsets(np.array([[2, 3], [1, 0]]), b'RGBG')
    assert offs == [(1, 1), (1, 0), (0, 1), (0, 0)]
    assert np.allclose(pack_raw(bayer, BLACK, WHITE, offs)[0, 0], expect[::-1])
    with pytest.raises(ValueError, match='Bayer'):
        bayer_offsets(np.array([[0, 0], [0, 2]]), b'RGBG')


def test_list_parsing(tmp_path):
    assert exposure_time('./Sony/short/00001_00_0.1s.ARW') == 0.1
    assert exposure_time('10003_00_0.033s.ARW') == 0.033
    root = make_tiny_sid(tmp_path)
    infos = parse_sid_list(os.path.join(root, 'Sony_train_list.txt'), root)
    assert [round(i['ratio'], 6) for i in infos] == [100.0, 250.0, 300.0]
    assert infos[0]['iso'] == 'ISO200' and infos[0]['f_number'] == 'F8'
    assert infos[0]['img_path'] == os.path.join(root, 'Sony', 'short', '00001_00_0.1s.ARW')
    bad = tmp_path / 'bad.txt'
    bad.write_text('./Sony/short/x.ARW\n')
    with pytest.raises(ValueError, match='bad.txt:1'):
        parse_sid_list(str(bad), root)
    bad.write_text('./Sony/short/x.ARW ./Sony/long/y.ARW\n')
    with pytest.raises(ValueError, match='bad.txt:1: no exposure time'):
        parse_sid_list(str(bad), root)


def test_dataset_and_rawpy_path(tmp_path):
    root = make_tiny_sid(tmp_path)
    init_default_scope('mmruas')
    pipeline = [dict(type='LoadPackedRaw'), dict(type='LoadRawGt'),
                dict(type='PackedRawRandomCrop', crop_size=(32, 48)),
                dict(type='PackRawInputs')]
    ds = SIDDataset(root, 'Sony_test_list.txt', pipeline=pipeline)
    assert len(ds) == 3
    # the rawpy path: LibRaw reads the DNG's levels and pattern; packing matches the array
    short = ds.get_data_info(0)['img_path']
    with tifffile.TiffFile(short) as tif:
        bayer = tif.pages[0].asarray()
    assert np.allclose(read_raw(short, ratio=100.0), pack_raw(bayer, BLACK, WHITE, ratio=100.0))
    gt = postprocess_raw(ds.get_data_info(0)['gt_path'])
    assert gt.shape == (64, 96, 3) and gt.dtype == np.uint16
    assert np.array_equal(gt, postprocess_raw(ds.get_data_info(0)['gt_path']))  # deterministic
    np.random.seed(0)
    out = ds[0]
    assert tuple(out['inputs'].shape) == (4, 16, 24)
    assert tuple(out['data_samples'].gt_img.shape) == (3, 32, 48)
    meta = out['data_samples'].metainfo
    assert meta['ratio'] == 100.0 and meta['img_shape'] == (32, 48)
    assert meta['gt_max_value'] == 65535.0
    # amplified short exposure ≈ long exposure (the fixture's signal, noise σ = 2 DN)
    long = read_raw(ds.get_data_info(0)['gt_path'])
    assert np.abs(read_raw(short, ratio=100.0) - long).mean() < 0.02


def test_clear_errors(tmp_path):
    root = make_tiny_sid(tmp_path)
    os.remove(os.path.join(root, 'Sony', 'long', '00002_00_10s.ARW'))
    with pytest.raises(FileNotFoundError, match='1 file.*00002_00_10s.ARW'):
        SIDDataset(root, 'Sony_train_list.txt')
    with pytest.raises(FileNotFoundError, match='list file not found'):
        SIDDataset(root, 'Sony_val_list.txt')
    broken = os.path.join(root, 'Sony', 'short', '00001_00_0.1s.ARW')
    with open(broken, 'wb') as f:
        f.write(b'not a raw file' * 500)
    with pytest.raises(ValueError, match='unreadable RAW file .*00001_00_0.1s.ARW'):
        read_raw(broken)
    with pytest.raises(FileNotFoundError, match='RAW file not found'):
        TRANSFORMS.build(dict(type='LoadPackedRaw'))(dict(img_path=str(tmp_path / 'no.ARW')))
