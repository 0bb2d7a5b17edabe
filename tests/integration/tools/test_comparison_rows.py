"""The papers' "enhancer + task" rows: tools/enhance.py --keep-tree writes a data set tree's
enhanced twin, and ``enhanced_root`` makes a task data set read its images from it."""
from __future__ import annotations

import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from PIL import Image

from mmruas.datasets.enhanced_images import substitute_images
from mmruas.det.datasets import DarkFaceDataset
from tests.helpers import REPO_DIR as REPO
from tests.helpers.data import make_darkface, make_tiny_acdc
from tests.helpers.models import build_model
from tests.helpers.tools import enhance, load_tool


def test_keep_tree_mirrors_the_layout_and_feeds_enhanced_root(tmp_path):
    root = make_darkface(tmp_path / 'darkface')
    ckpt = str(tmp_path / 'w.pth')
    model = build_model()
    torch.save({'state_dict': model.state_dict()}, ckpt)
    out = tmp_path / 'enhanced'
    proc = enhance(ckpt, root, out, '--keep-tree')
    assert proc.returncode == 0, proc.stderr
    # the tree mirrors the images (not the labels), each a PNG of the same stem
    got = sorted(osp.relpath(osp.join(r, f), out) for r, _, fs in os.walk(out) for f in fs)
    assert got == ['image/1.png', 'image/10.png', 'image/2.png']
    # each equals the Python API's result on its input (a second path to the same model)
    from mmruas.apis import enhance as api_enhance
    from mmruas.apis import init_enhancer
    api = init_enhancer(osp.join(REPO, 'configs', 'ruas_enhance', 'ruas_a_released.py'), ckpt,
                        device='cpu')
    for stem in ('1', '2', '10'):
        ref = api_enhance(api, osp.join(root, 'image', f'{stem}.png'))
        written = cv2.imread(str(out / 'image' / f'{stem}.png'))
        assert written.shape == ref.shape
        assert np.abs(ref.astype(int) - written.astype(int)).max() <= 1
    # a rerun refuses to replace the tree; the data set reads the enhanced twin
    assert enhance(ckpt, root, out, '--keep-tree').returncode == 2
    plain = DarkFaceDataset(data_root=root)
    swapped = DarkFaceDataset(data_root=root, enhanced_root=str(out))
    assert len(plain) == len(swapped) == 3
    for i in range(3):
        a, b = plain.get_data_info(i), swapped.get_data_info(i)
        assert b['img_path'] == osp.join(str(out), 'image', osp.basename(a['img_path']))
        assert a['instances'] == b['instances'] and a['img_id'] == b['img_id']


def test_keep_tree_needs_a_folder(tmp_path, monkeypatch, capsys):
    tool = load_tool('enhance.py')
    monkeypatch.setattr('sys.argv', ['enhance.py', 'c.py', 'w.pth', str(tmp_path / 'a.png'),
                                     str(tmp_path / 'o'), '--keep-tree'])
    with pytest.raises(SystemExit) as exc:
        tool.parse_args()
    assert exc.value.code == 2 and '--keep-tree needs a folder' in capsys.readouterr().err


def _img(path, size, value=10):
    os.makedirs(osp.dirname(path), exist_ok=True)
    Image.fromarray(np.full((size[1], size[0], 3), value, np.uint8)).save(path)


def test_substitute_matches_by_stem_and_names_what_is_wrong(tmp_path):
    root, enh = tmp_path / 'root', tmp_path / 'enh'
    _img(root / 'A' / 'x.jpg', (8, 6))
    _img(root / 'A' / 'y.png', (8, 6))
    infos = [dict(img_path=str(root / 'A' / 'x.jpg'), k=1),
             dict(img_path=str(root / 'A' / 'y.png'), k=2)]
    with pytest.raises(FileNotFoundError, match='enhanced_root not found'):
        substitute_images(infos, str(root), str(enh))
    _img(enh / 'A' / 'x.png', (8, 6))           # another extension, same stem
    with pytest.raises(FileNotFoundError, match=r'y\.png \(1 of 2 missing'):
        substitute_images(infos, str(root), str(enh))
    _img(enh / 'A' / 'y.png', (8, 6))
    out = substitute_images(infos, str(root), str(enh))
    assert [d['img_path'] for d in out] == [str(enh / 'A' / 'x.png'), str(enh / 'A' / 'y.png')]
    assert [d['k'] for d in out] == [1, 2] and infos[0]['img_path'].endswith('x.jpg')
    _img(enh / 'A' / 'x.bmp', (8, 6))
    with pytest.raises(ValueError, match='both match x.jpg'):
        substitute_images(infos, str(root), str(enh))
    os.remove(enh / 'A' / 'x.bmp')
    _img(enh / 'A' / 'y.png', (4, 6))
    with pytest.raises(ValueError, match='enhanced image is 4x6.*8x6'):
        substitute_images(infos, str(root), str(enh))


def test_acdc_labels_stay_images_move(tmp_path):
    from mmruas.seg.datasets import ACDCDataset
    root = str(tmp_path / 'acdc')
    make_tiny_acdc(root)
    enh = tmp_path / 'enh'
    plain = ACDCDataset(data_root=root, split='val')
    for i in range(len(plain)):
        src = plain.get_data_info(i)['img_path']
        with Image.open(src) as im:
            _img(str(enh / osp.relpath(src, root)), im.size, 200)
    swapped = ACDCDataset(data_root=root, split='val', enhanced_root=str(enh))
    for i in range(len(plain)):
        a, b = plain.get_data_info(i), swapped.get_data_info(i)
        assert b['img_path'] == str(enh / osp.relpath(a['img_path'], root))
        assert b['seg_map_path'] == a['seg_map_path']


@pytest.mark.parametrize('config', [
    'configs/ruas_dsfd_darkface/ruas_dsfd_darkface_baseline_no_scene.py',
    'configs/ruas_ssd_exdark.py',
    'configs/ruas_deeplabv3plus_acdc.py',
])
def test_one_cfg_options_line_reaches_every_split(config):
    """The documented --cfg-options line sets the data set argument of all three loaders."""
    cfg = Config.fromfile(osp.join(REPO, config), import_custom_modules=False)
    cfg.merge_from_dict({f'{k}.dataset.enhanced_root': '/x' for k in
                         ('train_dataloader', 'val_dataloader', 'test_dataloader')})
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        ds = cfg[key].dataset
        while 'dataset' in ds and 'enhanced_root' not in ds:   # a wrapper (e.g. repeat)
            ds = ds.dataset
        assert ds.enhanced_root == '/x', key
