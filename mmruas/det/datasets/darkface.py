"""DARK FACE (Yang et al. 2020, UG2+ challenge): low-light face detection, as distributed
(docs/method.md#data-set-layouts; RUAS-TPAMI §7 uses 5,000 training and 1,000 test images,
docs/method.md#downstream-tasks).

Layout under ``data_root`` (folder names are arguments)::

    image/<n>.png        the images (any of .png .jpg .jpeg, any case)
    label/<n>.txt        first line: the number of faces; then one face a line, x1 y1 x2 y2

One class, ``face``. Boxes are corners in pixels. A label whose count does not match its
box lines, a line without exactly four numbers or a non-numeric field raises
``ValueError`` naming the file (and line). A degenerate box (width or height ≤ 0 after
clipping to the image) is dropped with a warning naming file and line; boxes partly
outside the image are clipped to it.
"""
from __future__ import annotations

import logging
import math
import os
import os.path as osp
from collections.abc import Sequence

from mmdet.registry import DATASETS
from mmengine.logging import print_log

from ...datasets.enhanced_images import EnhancedImagesMixin
from ...datasets.splits import write_name_splits
from .listed_det_dataset import ListedDetDataset

__all__ = ['DarkFaceDataset', 'parse_darkface_label', 'write_darkface_split']

DARKFACE_IMG_EXTENSIONS = ('.png', '.jpg', '.jpeg')


def parse_darkface_label(path: str) -> list[tuple[int, list[float]]]:
    """``(line number, [x1, y1, x2, y2])`` per face of a DARK FACE label file.

    Raises ``ValueError`` naming ``path`` (and the line) for an empty file, a count that is
    not a non-negative integer, a count that differs from the number of box lines, a line
    without four fields or a non-numeric / non-finite field.
    """
    with open(path, encoding='utf-8-sig') as f:
        lines = [(i, line.split()) for i, line in enumerate(f.read().splitlines(), start=1)]
    lines = [(i, fields) for i, fields in lines if fields]
    if not lines:
        raise ValueError(f'{path}: empty label file (expected the face count on line 1)')
    (count_line, head), boxes = lines[0], lines[1:]
    try:
        count = int(head[0]) if len(head) == 1 and '_' not in head[0] else -1  # int('1_0')=10
    except ValueError:
        count = -1
    if count < 0:
        raise ValueError(f'{path}:{count_line}: expected the face count, got '
                         f'{" ".join(head)!r}')
    if count != len(boxes):
        raise ValueError(f'{path}: the count line says {count} face(s), the file has '
                         f'{len(boxes)} box line(s)')
    faces = []
    for lineno, fields in boxes:
        if len(fields) != 4:
            raise ValueError(f'{path}:{lineno}: expected x1 y1 x2 y2, got {len(fields)} '
                             f'field(s): {" ".join(fields)!r}')
        try:
            values = [float(v) if '_' not in v else math.nan for v in fields]
        except ValueError:
            values = [math.nan]
        if not all(math.isfinite(v) for v in values):
            raise ValueError(f'{path}:{lineno}: non-numeric field in {" ".join(fields)!r}')
        faces.append((lineno, values))
    return faces


def _scan(folder: str, extensions: Sequence[str], what: str) -> dict[str, str]:
    """``{stem: file name}`` of the files of ``folder`` with ``extensions`` (any case)."""
    if not osp.isdir(folder):
        raise FileNotFoundError(f'DARK FACE {what} folder not found: {folder}')
    found: dict[str, str] = {}
    for name in sorted(os.listdir(folder)):
        stem, ext = osp.splitext(name)
        if ext.lower() not in extensions:
            continue
        if stem in found:
            raise ValueError(f'ambiguous names in {folder}: {found[stem]} and {name}')
        found[stem] = name
    return found


@DATASETS.register_module()
class DarkFaceDataset(EnhancedImagesMixin, ListedDetDataset):
    """DARK FACE as distributed, read into mmdet's detection data infos.

    Which images: ``ann_file`` (image names or stems, one a line, ``#`` comments allowed;
    e.g. the paper's random 5,000 / 1,000 split, :func:`write_darkface_split`) in its
    order; else every image, sorted by name (numerically for numeric names). Each data
    info holds ``img_path``, ``img_id``, ``width``, ``height`` (image header),
    ``ann_path`` and ``instances`` (``bbox`` x1y1x2y2, ``bbox_label`` 0,
    ``ignore_flag`` 0). Dropped degenerate boxes are listed in ``self.dropped``.

    Args:
        data_root: the folder holding ``img_dir`` and ``ann_dir``.
        ann_file: a list of images instead of all of them.
        img_dir, ann_dir: the image (``image``) and label (``label``) folders.
        strict: an image without label or a listed name without image raises
            ``FileNotFoundError`` (default); ``False`` skips them with a warning.
        **kwargs: other ``BaseDetDataset`` arguments (``pipeline``, ``test_mode``,
            ``filter_cfg=dict(filter_empty_gt=True, min_size=...)``, ...).
    """

    METAINFO = dict(classes=('face',), palette=[(0, 255, 0)])

    def __init__(self, data_root: str, ann_file: str = '', img_dir: str = 'image',
                 ann_dir: str = 'label', strict: bool = True, **kwargs) -> None:
        # lazy_init (e.g. DetInferencer reading the metainfo) touches no files
        if not kwargs.get('lazy_init') and not osp.isdir(str(data_root)):
            raise FileNotFoundError(f'data_root not found: {data_root}')
        self.img_dir, self.ann_dir, self.strict = img_dir, ann_dir, strict
        self.dropped: list[str] = []
        kwargs.setdefault('data_prefix', dict())
        super().__init__(data_root=str(data_root), ann_file=ann_file, **kwargs)

    def _select(self, images: dict[str, str]) -> list[str]:
        """Stems of the chosen images, in order."""
        if not self.ann_file:
            return sorted(images, key=lambda s: (not s.isdigit(), int(s) if s.isdigit()
                                                 else 0, s))
        stems = [stem for stem, _ in self._read_ann_file(lambda n: osp.splitext(n)[0])]
        self._unpaired(f'{self.ann_file}: no image in {osp.join(self.data_root, self.img_dir)}'
                       ' for', [s for s in stems if s not in images])
        return [s for s in stems if s in images]

    def load_data_list(self) -> list[dict]:
        """Scan images and labels, choose the images, parse their labels."""
        img_root = osp.join(self.data_root, self.img_dir)
        ann_root = osp.join(self.data_root, self.ann_dir)
        images = _scan(img_root, DARKFACE_IMG_EXTENSIONS, 'image')
        labels = _scan(ann_root, ('.txt',), 'label')
        chosen = self._select(images)
        self._unpaired('image without label:',
                       [osp.join(img_root, images[s]) for s in chosen if s not in labels])
        self.dropped = []
        data_list = [self._parse(osp.join(img_root, images[s]), osp.join(ann_root, labels[s]))
                     for s in chosen if s in labels]
        if not data_list:
            raise ValueError(f'DarkFaceDataset: no image chosen in {img_root} '
                             f'(ann_file={self.ann_file or None})')
        if self.dropped:
            print_log(f'dropped {len(self.dropped)} degenerate box(es) (width or height <= 0),'
                      f' e.g. {self.dropped[0]}', logger='current', level=logging.WARNING)
        return data_list

    def _parse(self, img_path: str, ann_path: str) -> dict:
        width, height = self._image_size(img_path)
        instances = []
        for lineno, (x1, y1, x2, y2) in parse_darkface_label(ann_path):
            box = [min(max(x1, 0.), width), min(max(y1, 0.), height),
                   min(max(x2, 0.), width), min(max(y2, 0.), height)]
            if box[2] <= box[0] or box[3] <= box[1]:
                self.dropped.append(f'{ann_path}:{lineno} ({x1:g} {y1:g} {x2:g} {y2:g})')
                continue
            instances.append(dict(bbox=box, bbox_label=0, ignore_flag=0))
        return dict(img_path=img_path, img_id=osp.splitext(osp.basename(img_path))[0],
                    width=width, height=height, ann_path=ann_path, instances=instances)


def write_darkface_split(data_root: str, out_files: Sequence[str],
                         sizes: Sequence[int] = (5000, 1000), seed: int = 0,
                         img_dir: str = 'image') -> list[list[str]]:
    """Disjoint random image lists (the RUAS paper: 5,000 training, 1,000 test images).

    The images of ``data_root/img_dir`` are sorted by name, permuted with
    ``numpy.random.RandomState(seed)``, cut into ``sizes`` and written one name a line to
    ``out_files`` (usable as ``ann_file``); returns the lists.
    """
    folder = osp.join(data_root, img_dir)
    names = _scan(folder, DARKFACE_IMG_EXTENSIONS, 'image').values()
    return write_name_splits(list(names), out_files, sizes, seed, folder)
