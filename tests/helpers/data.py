"""Tiny data sets in their distributed layouts, written by the tests (nothing downloaded):
LOL-v2 Real_captured and MIT-Adobe FiveK with expert C (RUAS-TPAMI Tables II-V), ACDC
(docs/method.md#data-set-layouts: dark photographs and train-id label PNGs), DARK FACE, SID
(Sony, DNG content), ExDark, and a short dark video."""
from __future__ import annotations

import os
import os.path as osp

import cv2
import numpy as np
import tifffile
import torch
from mmengine.registry import init_default_scope
from PIL import Image


def _pair(rng: np.random.Generator, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """A normal-light image and its dark, noisy version (h, w, 3 uint8)."""
    w, h = size
    ramp = np.linspace(60, 220, w)[None, :, None] * np.ones((h, 1, 3))
    normal = np.clip(ramp + rng.integers(-20, 20, (h, w, 3)), 0, 255).astype(np.uint8)
    low = np.clip(normal * 0.15 + rng.normal(0, 2, (h, w, 3)), 0, 255).astype(np.uint8)
    return low, normal


def make_tiny_lolv2(root: str, n_train: int = 4, n_test: int = 2,
                    size: tuple[int, int] = (64, 48)) -> str:
    """``root/{Train,Test}/{Low,Normal}/{low,normal}NNNNN.png`` numbered 1.. across both
    folders as distributed (Train first); ``size`` is (w, h). Returns ``root``."""
    rng = np.random.default_rng(0)
    k = 0
    for folder, n in (('Train', n_train), ('Test', n_test)):
        for sub in ('Low', 'Normal'):
            os.makedirs(osp.join(root, folder, sub), exist_ok=True)
        for _ in range(n):
            k += 1
            low, normal = _pair(rng, size)
            Image.fromarray(low).save(osp.join(root, folder, 'Low', f'low{k:05d}.png'))
            Image.fromarray(normal).save(osp.join(root, folder, 'Normal',
                                                  f'normal{k:05d}.png'))
    return str(root)


def make_tiny_mit5k(root: str, n: int = 6, size: tuple[int, int] = (64, 48),
                    expert_dir: str = 'expertC') -> str:
    """``root/input/aNNNN.jpg`` (JPEG inputs) and ``root/<expert_dir>/aNNNN.png`` (expert C,
    another extension), as FiveK exports are commonly laid out. Returns ``root``."""
    rng = np.random.default_rng(1)
    os.makedirs(osp.join(root, 'input'), exist_ok=True)
    os.makedirs(osp.join(root, expert_dir), exist_ok=True)
    for i in range(1, n + 1):
        low, ref = _pair(rng, size)
        Image.fromarray(low).save(osp.join(root, 'input', f'a{i:04d}.jpg'), quality=95)
        Image.fromarray(ref).save(osp.join(root, expert_dir, f'a{i:04d}.png'))
    return str(root)


# --- ACDC ---------------------------------------------------------------------------------

SEQ = 'GOPR0001'


def label_map(h: int, w: int, seed: int) -> np.ndarray:
    """Blocks of a few train ids (road 0, building 2, sky 10, car 13) and an ignored 255 strip."""
    rng = np.random.default_rng(seed)
    lab = np.zeros((h, w), np.uint8)
    lab[: h // 3] = 10
    lab[h // 3: 2 * h // 3, : w // 2] = 2
    lab[h // 3: 2 * h // 3, w // 2:] = 13
    lab[-2:] = 255
    lab[rng.integers(0, h, 3), rng.integers(0, w, 3)] = 0
    return lab


def make_tiny_acdc(root: str, conditions=('night',), splits=(('train', 2), ('val', 2)),
                   size: tuple[int, int] = (64, 48), sequences=(SEQ,)) -> dict[str, list[str]]:
    """Write ``rgb_anon/<c>/<split>/<seq>/*_rgb_anon.png`` and ``gt/.../*_gt_labelTrainIds.png``
    (``test``: images only). Returns ``{'<c>/<split>': [image paths]}``; sizes are (w, h)."""
    w, h = size
    out: dict[str, list[str]] = {}
    k = 0
    for cond in conditions:
        for split, n in splits:
            for seq in sequences:
                img_dir = osp.join(root, 'rgb_anon', cond, split, seq)
                os.makedirs(img_dir, exist_ok=True)
                for i in range(n):
                    k += 1
                    name = f'{seq}_frame_{i:06d}'
                    lab = label_map(h, w, k)
                    rng = np.random.default_rng(100 + k)
                    img = (rng.integers(0, 20, (h, w, 3)) + lab[..., None] % 7 * 6).astype(np.uint8)
                    path = osp.join(img_dir, f'{name}_rgb_anon.png')
                    Image.fromarray(img).save(path)
                    out.setdefault(f'{cond}/{split}', []).append(path)
                    if split != 'test':
                        gt_dir = osp.join(root, 'gt', cond, split, seq)
                        os.makedirs(gt_dir, exist_ok=True)
                        Image.fromarray(lab, mode='L').save(
                            osp.join(gt_dir, f'{name}_gt_labelTrainIds.png'))
    return out


def label_path(img_path: str) -> str:
    """The ground-truth path of an image written by :func:`make_tiny_acdc`."""
    return img_path.replace('rgb_anon', 'gt', 1).replace('_rgb_anon.png',
                                                         '_gt_labelTrainIds.png')


# --- DARK FACE ----------------------------------------------------------------------------

# stem: ((width, height), label lines)
FACES = {
    '1': ((96, 64), ['2', '10 12 30 40', '50 8 70 30']),
    '2': ((80, 60), ['1', '5.5 6 25 33']),
    '10': ((64, 48), ['3', '1 2 20 22', '30 30 30 40', '40 20 90 47']),
}


def make_darkface(root, faces=FACES) -> str:
    """A DARK FACE tree: image/<n>.png (dark noise) and label/<n>.txt."""
    rng = np.random.default_rng(0)
    (root / 'image').mkdir(parents=True, exist_ok=True)
    (root / 'label').mkdir(parents=True, exist_ok=True)
    for stem, ((w, h), lines) in faces.items():
        Image.fromarray(rng.integers(0, 40, (h, w, 3), dtype=np.uint8)).save(
            root / 'image' / f'{stem}.png')
        (root / 'label' / f'{stem}.txt').write_text('\n'.join(lines) + '\n')
    return str(root)


DARKFACE_PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(48, 32), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]


def metric_samples(root, shift: float) -> list[dict]:
    """Test-pipeline samples with predictions = ground truth shifted by ``shift`` px."""
    from mmdet.registry import DATASETS
    init_default_scope('mmdet')
    ds = DATASETS.build(dict(type='DarkFaceDataset', data_root=root, test_mode=True,
                             pipeline=DARKFACE_PIPELINE))
    samples = []
    for i in range(len(ds)):
        s = ds[i]['data_samples']
        gt = s.gt_instances.bboxes.tensor
        s.pred_instances = type(s.gt_instances)(
            bboxes=gt + shift, scores=torch.linspace(0.9, 0.5, len(gt)),
            labels=torch.zeros(len(gt), dtype=torch.long))
        samples.append(s.to_dict())     # as mmengine's Evaluator hands them to metrics
    return samples


# --- SID ----------------------------------------------------------------------------------

SID_BLACK, SID_WHITE = 512, 16383


#: (scene, short exposure, long exposure) of the tiny fixture; 0.033 s / 30 s is capped
SID_SCENES = (('00001', '0.1', '10'), ('00002', '0.04', '10'), ('00003', '0.033', '30'))


def write_dng(path: str, bayer: np.ndarray, black: int = SID_BLACK, white: int = SID_WHITE) -> None:
    """A minimal RGGB DNG that LibRaw opens (identity colour matrix, neutral white balance).

    LibRaw refuses files below a few kilobytes: keep ``bayer`` at least 64 x 64.
    """
    tags = [(33421, 'H', 2, (2, 2)),                    # CFARepeatPatternDim
            (33422, 'B', 4, (0, 1, 1, 2)),              # CFAPattern: R G / G B
            (50706, 'B', 4, (1, 4, 0, 0)),              # DNGVersion
            (50707, 'B', 4, (1, 1, 0, 0)),              # DNGBackwardVersion
            (50708, 's', 0, 'mmruas test camera'),      # UniqueCameraModel
            (50714, 'H', 1, black),                     # BlackLevel
            (50717, 'H', 1, white),                     # WhiteLevel
            (50721, '2i', 9, (1, 1, 0, 1, 0, 1, 0, 1, 1, 1, 0, 1, 0, 1, 0, 1, 1, 1)),
            (50728, '2I', 3, (1, 1, 1, 1, 1, 1)),       # AsShotNeutral
            (50778, 'H', 1, 21),                        # CalibrationIlluminant1 D65
            (271, 's', 0, 'mmruas'), (272, 's', 0, 'test')]
    tifffile.imwrite(path, bayer, photometric=32803, compression=None, subfiletype=0,
                     extratags=tags)


def make_tiny_sid(root, size=(64, 96), seed=0) -> str:
    """``root/Sony/{short,long}/*.ARW`` (DNG content) and ``Sony_{train,test}_list.txt``."""
    rng = np.random.default_rng(seed)
    for sub in ('short', 'long'):
        os.makedirs(os.path.join(root, 'Sony', sub), exist_ok=True)
    lines = []
    for scene, short, long in SID_SCENES:
        signal = rng.uniform(0.05, 0.9, size=size)
        ratio = float(long) / float(short)
        for name, level in ((f'long/{scene}_00_{long}s.ARW', signal),
                            (f'short/{scene}_00_{short}s.ARW', signal / ratio)):
            dn = np.round(SID_BLACK + level * (SID_WHITE - SID_BLACK) + rng.normal(0, 2, size))
            write_dng(os.path.join(root, 'Sony', name), np.clip(dn, 0, SID_WHITE).astype(np.uint16))
        lines.append(f'./Sony/short/{scene}_00_{short}s.ARW ./Sony/long/{scene}_00_{long}s.ARW '
                     'ISO200 F8')
    for split in ('train', 'test'):
        with open(os.path.join(root, f'Sony_{split}_list.txt'), 'w') as f:
            f.write('\n'.join(lines) + '\n')
    return str(root)


# --- ExDark -------------------------------------------------------------------------------

def exdark_tree(root, n: int = 4) -> None:
    """``n`` dark images in ExDark's distributed layout (see tests/unit/det/test_exdark.py)."""
    rng = np.random.default_rng(0)
    lines = ['Name | Class | Light | In/Out | Train/Val/Test']
    for i in range(n):
        name, folder = f'2015_{i:05d}.jpg', ('Car', 'People')[i % 2]
        (root / 'ExDark' / folder).mkdir(parents=True, exist_ok=True)
        (root / 'ExDark_Annno' / folder).mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 60, (48, 80, 3), dtype=np.uint8)).save(
            root / 'ExDark' / folder / name)
        boxes = [f'{folder} {5 + i} 4 30 30 0 0 0 0 0 0 0', f'Dog 40 10 {12 + i} 14 0 0 0 0 0 0 0',
                 'Cup 2 30 60 16 0 0 0 0 0 0 0']
        (root / 'ExDark_Annno' / folder / f'{name}.txt').write_text(
            '% bbGt version=3\n' + '\n'.join(boxes) + '\n')
        lines.append(f'{name} {5 if folder == "Car" else 11} 1 1 1')
    (root / 'imageclasslist.txt').write_text('\n'.join(lines) + '\n')


# --- video --------------------------------------------------------------------------------

def _video(path, n: int = 10, size=(64, 48), fps: float = 12.0) -> list[np.ndarray]:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'MJPG'), fps, size)
    w, h = size            # smooth dark frames (a codec's loss stays small) with a moving square
    ramp = np.linspace(10, 60, w)[None, :, None] * np.array([1.0, 0.8, 0.6])
    frames = []
    for i in range(n):
        f = np.broadcast_to(ramp, (h, w, 3)).copy()
        f[10:26, 4 + 3 * i:20 + 3 * i] = 70
        frames.append(f.astype(np.uint8))
    for f in frames:
        writer.write(f)
    writer.release()
    return frames


def _read(path) -> tuple[list[np.ndarray], float, tuple[int, int]]:
    cap = cv2.VideoCapture(str(path))
    fps = cap.get(cv2.CAP_PROP_FPS)
    size = (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    frames = []
    while True:
        ok, f = cap.read()
        if not ok:
            break
        frames.append(f)
    cap.release()
    return frames, fps, size
