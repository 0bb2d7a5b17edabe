"""ExDark (Exclusively Dark, Loh & Chan 2019): 12-class low-light detection, as distributed.

Layout under ``data_root`` (folder names are arguments)::

    ExDark/<Class>/<image>                   .jpg .JPG .jpeg .JPEG .png (any case)
    ExDark_Annno/<Class>/<image>.txt         note "Annno"; the full image name + .txt
    imageclasslist.txt                       only needed for ``split`` / ``light`` / ``in_out``

An annotation is Piotr's-toolbox ``bbGt`` version 3: the line ``% bbGt version=3``, then
one object a line ``<class> <left> <top> <width> <height> <occ> <vl> <vt> <vw> <vh> <ign>
<ang>`` (eleven integers). Boxes become corners ``x1 = left, y1 = top, x2 = left + width,
y2 = top + height`` in the stored pixel frame (EXIF orientation ignored: the config loads
images with ``color_type='color_ignore_orientation'``); ``ign`` becomes ``ignore_flag``.
"""
from __future__ import annotations

import logging
import os
import os.path as osp
from collections.abc import Sequence

from mmdet.registry import DATASETS
from mmengine.logging import print_log

from ...datasets.enhanced_images import EnhancedImagesMixin
from ...datasets.splits import write_name_splits
from .listed_det_dataset import ListedDetDataset

__all__ = ['ExDarkDataset', 'EXDARK_CLASSES', 'EXDARK_LIGHTS', 'parse_bbgt',
           'parse_imageclasslist', 'write_exdark_split']

EXDARK_CLASSES = ('Bicycle', 'Boat', 'Bottle', 'Bus', 'Car', 'Cat', 'Chair', 'Cup', 'Dog',
                  'Motorbike', 'People', 'Table')
EXDARK_LIGHTS = ('Low', 'Ambient', 'Object', 'Single', 'Weak', 'Strong', 'Screen', 'Window',
                 'Shadow', 'Twilight')
EXDARK_IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png')
SPLIT_CODES = {'train': 1, 'val': 2, 'test': 3}
IN_OUT_CODES = {'indoor': 1, 'in': 1, 'outdoor': 2, 'out': 2}
BBGT_HEADER = '% bbGt version=3'
LIST_HEADER = 'Name | Class | Light | In/Out | Train/Val/Test'
_CLASS_KEYS = {c.lower(): i for i, c in enumerate(EXDARK_CLASSES)}


def parse_bbgt(path: str) -> list[tuple[int, list[int], int]]:
    """``(line number, [label, left, top, width, height, ..., ign, ang], label index)`` per object.

    Raises ``ValueError`` naming ``path`` and the line for a missing header, a line without
    exactly twelve fields, a non-integer field or a class not among the 12 (matched
    case-insensitively).
    """
    with open(path, encoding='utf-8-sig') as f:
        lines = f.read().splitlines()
    if not lines or lines[0].strip() != BBGT_HEADER:
        raise ValueError(f'{path}:1: missing header {BBGT_HEADER!r}')
    objects = []
    for lineno, line in enumerate(lines[1:], start=2):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 12:
            raise ValueError(f'{path}:{lineno}: expected <class> and 11 integers, got '
                             f'{len(fields)} field(s): {line.strip()!r}')
        label = _CLASS_KEYS.get(fields[0].lower())
        if label is None:
            raise ValueError(f'{path}:{lineno}: unknown class {fields[0]!r} '
                             f'(expected one of {", ".join(EXDARK_CLASSES)})')
        try:
            values = [int(v) for v in fields[1:]]
        except ValueError:
            raise ValueError(f'{path}:{lineno}: non-integer field in {line.strip()!r}') from None
        objects.append((lineno, values, label))
    return objects


def parse_imageclasslist(path: str) -> dict[str, dict]:
    """``imageclasslist.txt`` as ``{lower-case name: dict(name, cls, light, in_out, split, line)}``.

    Raises ``FileNotFoundError`` for a missing file and ``ValueError`` naming file and line
    for a missing header, a malformed line, an out-of-range code or a repeated name.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'imageclasslist not found: {path}')
    with open(path, encoding='utf-8-sig') as f:
        lines = f.read().splitlines()
    if not lines or ''.join(lines[0].split()).lower() != ''.join(LIST_HEADER.split()).lower():
        raise ValueError(f'{path}:1: missing header {LIST_HEADER!r}')
    ranges = dict(cls=(1, 12), light=(1, 10), in_out=(1, 2), split=(1, 3))
    entries: dict[str, dict] = {}
    for lineno, line in enumerate(lines[1:], start=2):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 5:
            raise ValueError(f'{path}:{lineno}: expected <name> <class> <light> <in/out> '
                             f'<split>, got {len(fields)} field(s): {line.strip()!r}')
        try:
            codes = dict(zip(ranges, (int(v) for v in fields[1:])))
        except ValueError:
            raise ValueError(f'{path}:{lineno}: non-integer code in {line.strip()!r}') from None
        for key, (lo, hi) in ranges.items():
            if not lo <= codes[key] <= hi:
                raise ValueError(f'{path}:{lineno}: {key} code {codes[key]} not in {lo}..{hi}')
        key = fields[0].lower()
        if key in entries:
            raise ValueError(f'{path}:{lineno}: {fields[0]!r} already listed on line '
                             f'{entries[key]["line"]}')
        entries[key] = dict(name=fields[0], line=lineno, **codes)
    return entries


def _scan(root: str, extensions: Sequence[str], strip: str = '') -> dict[str, str]:
    """``{lower-case name: relative path}`` of files ``root/<folder>/<name><strip>``."""
    if not osp.isdir(root):
        raise FileNotFoundError(f'ExDark folder not found: {root}')
    found: dict[str, str] = {}
    for folder in sorted(os.listdir(root)):
        if not osp.isdir(osp.join(root, folder)):
            continue
        for fname in sorted(os.listdir(osp.join(root, folder))):
            if not fname.lower().endswith(tuple(extensions)):
                continue
            key = fname[:len(fname) - len(strip)].lower()
            rel = osp.join(folder, fname)
            if key in found:
                raise ValueError(f'ambiguous names in {root}: {found[key]} and {rel}')
            found[key] = rel
    return found


def _codes(value: int | str | Sequence | None, names: dict[str, int], what: str,
           hi: int) -> set[int] | None:
    """Filter codes from an int, a name or a sequence of them; ``None`` keeps everything."""
    if value is None:
        return None
    items = [value] if isinstance(value, (int, str)) else list(value)
    codes = set()
    for item in items:
        code = names.get(item.lower()) if isinstance(item, str) else item
        if not isinstance(code, int) or not 1 <= code <= hi:
            raise ValueError(f'ExDarkDataset {what} must be codes 1..{hi} or names '
                             f'{sorted(names)}, got {item!r}')
        codes.add(code)
    return codes


@DATASETS.register_module()
class ExDarkDataset(EnhancedImagesMixin, ListedDetDataset):
    """ExDark as distributed, read into mmdet's detection data infos.

    Which images: ``ann_file`` (a text file of image names, one a line, relative to
    ``data_root``; a ``Class/`` prefix and ``#`` comments are allowed — e.g. the RUAS paper's
    random 5,200 / 1,200 sampling, see :func:`write_exdark_split`) in its order; else the
    images of ``split`` by ``imageclasslist`` in its order; else every image, sorted by
    path. ``light`` and ``in_out`` narrow any of these through ``imageclasslist``.

    Quirks: names match case-insensitively; class names in annotations are matched to the
    12 classes case-insensitively. A malformed annotation line, an unknown class, a missing
    header or a box of non-positive size or entirely outside its image raises ``ValueError``
    naming the file and line. A box partly outside its image is clipped to it, with one
    warning per data set (the clipped boxes are listed in ``self.clipped``). An image
    without annotation, an annotation without image, or a listed name without image raises
    ``FileNotFoundError`` naming the file when ``strict`` (the default); with
    ``strict=False`` they are skipped with a warning. Choosing no image is an error.

    Each data info holds ``img_path``, ``img_id`` (the image name), ``width``, ``height``
    (read from the image header), ``ann_path`` and ``instances`` (``bbox`` x1y1x2y2,
    ``bbox_label``, ``ignore_flag``). ``filter_cfg=dict(filter_empty_gt=True, min_size=32)``
    drops images without non-ignored boxes or smaller than ``min_size`` (not in test mode).

    Args:
        data_root: the folder holding ``img_dir``, ``ann_dir`` and ``imageclasslist``.
        split: ``'train'`` (code 1), ``'val'`` (2), ``'test'`` (3) or ``None`` (all).
        ann_file: a list of image names instead of ``split``.
        light: light codes 1..10 or names (``'Low'``, ..., ``'Twilight'``) to keep.
        in_out: 1 / ``'indoor'`` or 2 / ``'outdoor'`` to keep.
        img_dir: the image folder (``ExDark``).
        ann_dir: the annotation folder (``ExDark_Annno``).
        imageclasslist: the list file, relative to ``data_root``.
        strict: raise on unpaired files (else skip them with a warning).
        **kwargs: other ``BaseDetDataset`` arguments (``pipeline``, ``test_mode``, ...).
    """

    METAINFO = dict(
        classes=EXDARK_CLASSES,
        palette=[(220, 20, 60), (0, 130, 200), (60, 180, 75), (245, 130, 48), (145, 30, 180),
                 (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212),
                 (0, 128, 128), (255, 225, 25), (170, 110, 40)])

    def __init__(self, data_root: str, split: str | None = None, ann_file: str = '',
                 light: int | str | Sequence | None = None,
                 in_out: int | str | Sequence | None = None, img_dir: str = 'ExDark',
                 ann_dir: str = 'ExDark_Annno', imageclasslist: str = 'imageclasslist.txt',
                 strict: bool = True, **kwargs) -> None:
        if split is not None and split not in SPLIT_CODES:
            raise ValueError(f'ExDarkDataset split must be one of {sorted(SPLIT_CODES)} or '
                             f'None, got {split!r}')
        if split is not None and ann_file:
            raise ValueError('ExDarkDataset takes split or ann_file, not both')
        # lazy_init (e.g. DetInferencer reading the metainfo) touches no files
        if not kwargs.get('lazy_init') and not osp.isdir(str(data_root)):
            raise FileNotFoundError(f'data_root not found: {data_root}')
        self.split = split
        self.light = _codes(light, {n.lower(): i + 1 for i, n in enumerate(EXDARK_LIGHTS)},
                            'light', 10)
        self.in_out = _codes(in_out, IN_OUT_CODES, 'in_out', 2)
        self.img_dir = img_dir
        self.ann_dir = ann_dir
        self.imageclasslist = imageclasslist
        self.strict = strict
        self.clipped: list[str] = []
        kwargs.setdefault('data_prefix', dict())
        super().__init__(data_root=str(data_root), ann_file=ann_file, **kwargs)

    def _select(self, images: dict[str, str]) -> list[str]:
        """The lower-case names of the chosen images, in list order."""
        needs_list = self.split is not None or self.light or self.in_out
        table = (parse_imageclasslist(osp.join(self.data_root, self.imageclasslist))
                 if needs_list else {})
        if self.ann_file:
            names = self._read_ann_file(str.lower)
        elif self.split is not None:
            names = [(k, f'{e["name"]} ({self.imageclasslist}:{e["line"]})')
                     for k, e in table.items() if e['split'] == SPLIT_CODES[self.split]]
        else:
            names = [(k, k) for k in images]
        if self.light or self.in_out:
            for key, where in names:
                if key not in table:
                    raise ValueError(f'{where}: {key!r} is not in {self.imageclasslist}, '
                                     'needed for the light / in_out filters')
            names = [(k, w) for k, w in names
                     if (not self.light or table[k]['light'] in self.light)
                     and (not self.in_out or table[k]['in_out'] in self.in_out)]
        self._unpaired(f'no image in {osp.join(self.data_root, self.img_dir)} for',
                       [w for k, w in names if k not in images])
        return [k for k, _ in names if k in images]

    def load_data_list(self) -> list[dict]:
        """Scan images and annotations, choose the images, parse their annotations."""
        img_root = osp.join(self.data_root, self.img_dir)
        ann_root = osp.join(self.data_root, self.ann_dir)
        images = _scan(img_root, EXDARK_IMG_EXTENSIONS)
        anns = _scan(ann_root, ('.txt',), strip='.txt')
        self._unpaired('annotation without image:',
                       [osp.join(ann_root, anns[k]) for k in anns if k not in images])
        self._unpaired('image without annotation:',
                       [osp.join(img_root, images[k]) for k in images if k not in anns])
        self.clipped = []
        data_list = [self._parse(osp.join(img_root, images[k]), osp.join(ann_root, anns[k]))
                     for k in self._select(images) if k in anns]
        if not data_list:
            raise ValueError(f'ExDarkDataset: no image chosen in {img_root} (split='
                             f'{self.split}, ann_file={self.ann_file or None}, light='
                             f'{self.light}, in_out={self.in_out})')
        if self.clipped:
            print_log(f'clipped {len(self.clipped)} box(es) partly outside their image to it, '
                      f'e.g. {self.clipped[0]}', logger='current', level=logging.WARNING)
        return data_list

    def _parse(self, img_path: str, ann_path: str) -> dict:
        """One data info; boxes converted to corners and clipped to the image."""
        width, height = self._image_size(img_path)
        instances = []
        for lineno, values, label in parse_bbgt(ann_path):
            left, top, w, h = values[:4]
            where = f'{ann_path}:{lineno}'
            if w <= 0 or h <= 0:
                raise ValueError(f'{where}: non-positive box size {w} x {h}')
            box = [left, top, left + w, top + h]
            clipped = [min(max(box[0], 0), width), min(max(box[1], 0), height),
                       min(max(box[2], 0), width), min(max(box[3], 0), height)]
            if clipped[2] <= clipped[0] or clipped[3] <= clipped[1]:
                raise ValueError(f'{where}: box {box} (x1 y1 x2 y2) lies outside the '
                                 f'{width} x {height} image {img_path}')
            if clipped != box:
                self.clipped.append(where)
            instances.append(dict(bbox=[float(v) for v in clipped], bbox_label=label,
                                  ignore_flag=int(values[9] != 0)))
        return dict(img_path=img_path, img_id=osp.basename(img_path), width=width,
                    height=height, ann_path=ann_path, instances=instances)


def write_exdark_split(data_root: str, out_files: Sequence[str],
                       sizes: Sequence[int] = (5200, 1200), seed: int = 0,
                       img_dir: str = 'ExDark') -> list[list[str]]:
    """Sample disjoint random name lists (the RUAS paper: 5,200 search/train, 1,200 test).

    The images under ``data_root/img_dir`` are sorted by name, permuted with
    ``numpy.random.RandomState(seed)``, cut into ``sizes`` and written one name a line to
    ``out_files`` (usable as ``ann_file``); returns the lists.
    """
    folder = osp.join(data_root, img_dir)
    names = [osp.basename(p) for p in _scan(folder, EXDARK_IMG_EXTENSIONS).values()]
    return write_name_splits(names, out_files, sizes, seed, folder)
