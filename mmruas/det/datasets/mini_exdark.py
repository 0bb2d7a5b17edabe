"""A small ExDark-format detection set built from real photographs, with true boxes.

:func:`make_mini_exdark` writes, under ``root``, exactly the layout ExDark is distributed
in (docs/method.md#data-set-layouts; read by :class:`~mmruas.det.datasets.ExDarkDataset`)::

    ExDark/<Class>/2015_00001.jpg            mixed .jpg .JPG .jpeg .JPEG .png
    ExDark_Annno/<Class>/2015_00001.jpg.txt  '% bbGt version=3', then '<Class> l t w h' + 7 ints
    imageclasslist.txt                       header, then '<name> <class> <light> <in/out> <split>'

How an image is made (deterministic given ``seed``):

1. a background: a random window of one of scikit-image's bundled photographs ``brick``,
   ``grass``, ``gravel`` (grey, tinted with a random colour), ``rocket`` or
   ``hubble_deep_field``, resized to a random size of 160-320 px a side;
2. one to three objects, each cut from a bundled photograph along a hand-drawn outline
   (:data:`OBJECTS`: ``astronaut`` and ``camera`` → People, ``chelsea`` → Cat, ``coffee``
   → Cup, ``stereo_motorcycle`` (left view) → Motorbike), randomly flipped, scaled and
   brightness-jittered, and pasted with a feathered mask at a random position inside the
   image, boxes never overlapping. The box is the bounding box of the pasted mask's
   pixels with opacity ≥ 0.5, so it is true by construction;
3. darkened with the project's physical low-light model
   (:func:`~mmruas.datasets.transforms.low_light.synthesize_low_light`: sRGB decoding,
   exposure k ~ U(0.03, 0.12) by default, Poisson shot noise with gain 2000, Gaussian read
   noise σ = 2e-3, 8-bit sRGB), then saved (JPEG quality 95 or PNG).

Nothing is downloaded: only the photographs inside the scikit-image package are used.
Train, val and test images reuse the same few photographed objects (on new backgrounds,
at new positions, scales, exposures and noise), so a detector trained here learns these
object instances, not the categories in general.
"""
from __future__ import annotations

import functools
import os
import os.path as osp
from collections.abc import Sequence

import cv2
import numpy as np
from PIL import Image

from ...datasets.transforms.low_light import synthesize_low_light
from .exdark import BBGT_HEADER, EXDARK_CLASSES, LIST_HEADER, SPLIT_CODES

__all__ = ['make_mini_exdark', 'compose_image', 'MINI_CLASSES', 'OBJECTS', 'BACKGROUNDS',
           'MINI_EXDARK_HARD']

#: (class, scikit-image photograph, outline as (x, y) vertices in the photograph's pixels)
OBJECTS: tuple[tuple[str, str, tuple[tuple[int, int], ...]], ...] = (
    ('People', 'astronaut', (
        (175, 25), (225, 15), (265, 22), (295, 50), (300, 100), (290, 140), (300, 185),
        (305, 230), (340, 260), (355, 290), (362, 345), (300, 380), (280, 430), (275, 511),
        (25, 511), (20, 440), (25, 330), (40, 290), (70, 255), (115, 230), (115, 195),
        (135, 160), (165, 140), (155, 100), (150, 60))),
    ('People', 'camera', (
        (10, 215), (60, 170), (130, 110), (160, 85), (200, 65), (240, 70), (265, 95),
        (270, 140), (320, 140), (325, 160), (330, 185), (325, 215), (305, 235), (300, 260),
        (295, 300), (250, 310), (200, 330), (160, 350), (145, 420), (150, 511), (0, 511),
        (0, 230))),
    ('Cat', 'chelsea', (
        (0, 0), (395, 0), (370, 50), (365, 120), (360, 180), (345, 230), (330, 270),
        (325, 299), (0, 299))),
    ('Cup', 'coffee', (
        (175, 80), (190, 40), (230, 20), (290, 16), (350, 22), (395, 45), (408, 90),
        (405, 150), (395, 200), (380, 235), (360, 262), (330, 282), (290, 288), (262, 282),
        (255, 300), (235, 307), (205, 302), (195, 285), (197, 255), (210, 232), (195, 210),
        (182, 180), (176, 130))),
    ('Motorbike', 'stereo_motorcycle', (
        (92, 200), (140, 190), (150, 160), (200, 158), (300, 175), (350, 190), (335, 115),
        (390, 122), (410, 130), (470, 150), (480, 118), (500, 100), (535, 95), (560, 120),
        (580, 120), (583, 140), (560, 180), (545, 200), (560, 260), (600, 268), (640, 300),
        (655, 320), (680, 360), (685, 400), (670, 435), (630, 452), (580, 448), (540, 420),
        (520, 380), (515, 330), (500, 300), (475, 300), (470, 350), (440, 375), (400, 380),
        (350, 385), (345, 435), (322, 435), (325, 400), (300, 375), (265, 370), (240, 395),
        (200, 400), (150, 390), (125, 350), (120, 300), (130, 260), (110, 245), (95, 225))),
)
#: the ExDark classes the mini set holds, in ExDark's order
MINI_CLASSES = tuple(c for c in EXDARK_CLASSES if c in {o[0] for o in OBJECTS})
#: background photograph → ExDark in/out code (1 indoor, 2 outdoor)
BACKGROUNDS = {'brick': 1, 'grass': 2, 'gravel': 2, 'rocket': 2, 'hubble_deep_field': 2}
#: the harder mini set (docs/detection.md#the-harder-mini-set), ``make_mini_exdark(root,
#: **MINI_EXDARK_HARD)``: about 6x darker than the default (exposure 0.005-0.02 against
#: 0.03-0.12), 2.5x the read noise, and a test split on backgrounds the training and
#: validation splits never show (the objects cannot be held out: Cat, Cup and Motorbike have
#: one photograph each)
MINI_EXDARK_HARD = dict(exposure=(0.005, 0.02), read_noise=5e-3,
                        test_backgrounds=('gravel', 'hubble_deep_field'))
EXTENSIONS = ('.jpg', '.JPG', '.jpeg', '.JPEG', '.png')
EXTENSION_P = (0.5, 0.15, 0.1, 0.1, 0.15)
LIGHT_LOW, LIGHT_WEAK = 1, 5   # ExDark light codes 'Low' and 'Weak'


def _photograph(name: str) -> np.ndarray:
    """A uint8 photograph bundled with scikit-image: RGB, or 2-D for grey ones."""
    from skimage import data
    img = data.stereo_motorcycle()[0] if name == 'stereo_motorcycle' else getattr(data, name)()
    return np.ascontiguousarray(img)


def _rgb(img: np.ndarray) -> np.ndarray:
    return np.repeat(img[..., None], 3, axis=2) if img.ndim == 2 else img


@functools.lru_cache(maxsize=1)
def _sources() -> tuple[list[tuple[int, np.ndarray, np.ndarray]], dict[str, np.ndarray]]:
    """``([(label, RGB cut-out, float mask)], {background name: photograph (RGB or grey)})``."""
    objects = []
    for cls, photo, outline in OBJECTS:
        img = _rgb(_photograph(photo))
        poly = np.array(outline, np.int32)
        mask = np.zeros(img.shape[:2], np.uint8)
        cv2.fillPoly(mask, [poly], 1)
        x1, y1 = poly.min(0)
        x2, y2 = poly.max(0) + 1
        objects.append((EXDARK_CLASSES.index(cls), img[y1:y2, x1:x2],
                        mask[y1:y2, x1:x2].astype(np.float32)))
    return objects, {name: _photograph(name) for name in BACKGROUNDS}


def _background(rng: np.random.Generator, name: str, width: int, height: int) -> np.ndarray:
    """A random window of photograph ``name`` resized to ``width`` x ``height``."""
    photo = _sources()[1][name]
    ph, pw = photo.shape[:2]
    scale = rng.uniform(0.5, 1.0) * min(pw / width, ph / height)
    cw, ch = max(int(width * scale), 8), max(int(height * scale), 8)
    x, y = int(rng.integers(0, pw - cw + 1)), int(rng.integers(0, ph - ch + 1))
    bg = cv2.resize(photo[y:y + ch, x:x + cw], (width, height), interpolation=cv2.INTER_AREA)
    if bg.ndim == 2:  # grey: tinted with a random colour
        tint = rng.uniform(0.55, 1.0, size=3)
        return np.clip(bg[..., None] * (tint / tint.max()), 0, 255).astype(np.uint8)
    return bg


def _boxes_overlap(a: Sequence[int], b: Sequence[int]) -> bool:
    """Whether two ``(x1, y1, x2, y2)`` boxes (exclusive ends) share a pixel."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def compose_image(rng: np.random.Generator, labels: Sequence[int], width: int, height: int,
                  background: str) -> tuple[np.ndarray, np.ndarray, list[tuple[int, list[int]]]]:
    """Paste one object per entry of ``labels`` (class indices) onto a background.

    Returns ``(image, background, objects)``: RGB uint8 images before darkening and
    ``[(label, [x1, y1, x2, y2])]`` (exclusive ends) of the objects placed. An object that
    finds no free place (20 tries) is left out, except the first, which always fits.
    """
    sources = _sources()[0]
    bg = _background(rng, background, width, height)
    canvas = bg.astype(np.float32)
    placed: list[tuple[int, list[int]]] = []
    size_range = (0.45, 0.85) if len(labels) == 1 else (0.3, 0.6)
    for label in labels:
        choices = [s for s in sources if s[0] == label]
        _, cut, mask = choices[int(rng.integers(len(choices)))]
        h0, w0 = mask.shape
        side = rng.uniform(*size_range) * min(width, height)
        aspect = rng.uniform(0.85, 1.15)
        scale = side / max(h0, w0)
        ow = int(np.clip(round(w0 * scale * aspect), 12, width))
        oh = int(np.clip(round(h0 * scale / aspect), 12, height))
        obj = cv2.resize(cut, (ow, oh), interpolation=cv2.INTER_AREA).astype(np.float32)
        alpha = cv2.GaussianBlur(cv2.resize(mask, (ow, oh), interpolation=cv2.INTER_LINEAR),
                                 (3, 3), 0)
        if rng.random() < 0.5:
            obj, alpha = obj[:, ::-1], alpha[:, ::-1]
        obj *= rng.uniform(0.8, 1.2)
        ys, xs = np.nonzero(alpha >= 0.5)
        bx1, by1, bx2, by2 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
        for _ in range(20):
            x, y = int(rng.integers(0, width - ow + 1)), int(rng.integers(0, height - oh + 1))
            box = [x + int(bx1), y + int(by1), x + int(bx2), y + int(by2)]
            if not any(_boxes_overlap(box, b) for _, b in placed):
                break
        else:
            continue
        a = alpha[..., None]
        canvas[y:y + oh, x:x + ow] = a * obj + (1 - a) * canvas[y:y + oh, x:x + ow]
        placed.append((int(label), box))
    return np.clip(np.round(canvas), 0, 255).astype(np.uint8), bg, placed


def _save(img: np.ndarray, path: str) -> None:
    """Save RGB uint8 as PNG or JPEG (quality 95) by the extension, whatever its case."""
    fmt = 'PNG' if path.lower().endswith('.png') else 'JPEG'
    Image.fromarray(img).save(path, format=fmt, **({'quality': 95} if fmt == 'JPEG' else {}))


def make_mini_exdark(root: str, seed: int = 0, n_train: int = 160, n_test: int = 80,
                     n_val: int = 40, exposure: tuple[float, float] = (0.03, 0.12),
                     gain: float = 2000.0, read_noise: float = 2e-3,
                     size_range: tuple[int, int] = (160, 320),
                     max_objects: int = 3,
                     test_backgrounds: Sequence[str] | None = None) -> list[dict]:
    """Write the mini set under ``root`` (module doc) and return what was written.

    Splits get imageclasslist codes 1 (train), 2 (val), 3 (test), shuffled over the image
    names. The folder class of an image is its first object's class; these cycle over
    :data:`MINI_CLASSES` so that every class leads about as many images. Exposure below
    0.06 is listed as light 'Low' (1), else 'Weak' (5); in/out comes from the background.
    About one annotation line in ten writes the class in lower case, as ExDark sometimes
    does. ``test_backgrounds`` (names of :data:`BACKGROUNDS`): test images only on these,
    train and val images only on the others (None: any background for any split).

    Returns one dict per image: ``name``, ``folder``, ``split``, ``width``, ``height``,
    ``exposure``, ``light``, ``in_out``, ``background`` and ``objects`` — a list of
    ``(class name, [left, top, width, height])`` as written to the annotation.
    """
    if min(n_train, n_test, n_val) < 0 or n_train + n_test + n_val == 0:
        raise ValueError(f'split sizes must be >= 0 and not all 0, got train={n_train} '
                         f'val={n_val} test={n_test}')
    if not 1 <= max_objects <= 3:
        raise ValueError(f'max_objects must be 1..3, got {max_objects}')
    if not 0 < exposure[0] <= exposure[1] <= 1:
        raise ValueError(f'exposure range must satisfy 0 < min <= max <= 1, got {exposure}')
    names = list(BACKGROUNDS)
    pools = {code: names for code in SPLIT_CODES.values()}
    if test_backgrounds is not None:
        held = [b for b in names if b in set(test_backgrounds)]
        if set(test_backgrounds) - set(names) or not 0 < len(held) < len(names):
            raise ValueError(f'test_backgrounds must be a non-empty proper subset of '
                             f'{names}, got {list(test_backgrounds)}')
        pools = {code: [b for b in names if b not in held] for code in SPLIT_CODES.values()}
        pools[SPLIT_CODES['test']] = held
    rng = np.random.default_rng(seed)
    n = n_train + n_val + n_test
    splits = rng.permutation(np.repeat([SPLIT_CODES['train'], SPLIT_CODES['val'],
                                        SPLIT_CODES['test']], [n_train, n_val, n_test]))
    labels = [EXDARK_CLASSES.index(c) for c in MINI_CLASSES]
    lead = rng.permutation(np.resize(labels, n))
    records, lines = [], [LIST_HEADER]
    for i in range(n):
        width = int(rng.integers(size_range[0], size_range[1] + 1))
        height = int(rng.integers(size_range[0], size_range[1] + 1))
        pool = pools[int(splits[i])]
        background = pool[int(rng.integers(len(pool)))]
        count = int(rng.integers(1, max_objects + 1))
        wanted = [int(lead[i])] + [int(v) for v in rng.choice(labels, count - 1)]
        clean, _, objects = compose_image(rng, wanted, width, height, background)
        k = float(rng.uniform(*exposure))
        dark = synthesize_low_light(clean, rng, k, gain, read_noise)
        folder = EXDARK_CLASSES[objects[0][0]]
        name = f'2015_{i + 1:05d}{EXTENSIONS[int(rng.choice(len(EXTENSIONS), p=EXTENSION_P))]}'
        ann = [(EXDARK_CLASSES[lab], [x1, y1, x2 - x1, y2 - y1])
               for lab, (x1, y1, x2, y2) in objects]
        os.makedirs(osp.join(root, 'ExDark', folder), exist_ok=True)
        os.makedirs(osp.join(root, 'ExDark_Annno', folder), exist_ok=True)
        _save(dark, osp.join(root, 'ExDark', folder, name))
        with open(osp.join(root, 'ExDark_Annno', folder, f'{name}.txt'), 'w') as f:
            f.write(BBGT_HEADER + '\n')
            for cls, box in ann:
                written = cls.lower() if rng.random() < 0.1 else cls
                f.write(f'{written} {" ".join(map(str, box))} 0 0 0 0 0 0 0\n')
        light = LIGHT_LOW if k < 0.06 else LIGHT_WEAK
        lines.append(f'{name} {EXDARK_CLASSES.index(folder) + 1} {light} '
                     f'{BACKGROUNDS[background]} {int(splits[i])}')
        records.append(dict(name=name, folder=folder,
                            split={v: s for s, v in SPLIT_CODES.items()}[int(splits[i])],
                            width=width, height=height, exposure=k, light=light,
                            in_out=BACKGROUNDS[background], background=background,
                            objects=ann))
    with open(osp.join(root, 'imageclasslist.txt'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return records
