"""ACDC (adverse conditions, Cityscapes classes) as distributed (docs/method.md#data-set-layouts).

Layout under ``data_root``::

    rgb_anon/<condition>/{train,val,test}/<sequence>/<name>_rgb_anon.png
    gt/<condition>/{train,val}/<sequence>/<name>_gt_labelTrainIds.png

with ``condition`` one of fog, night, rain, snow. Labels are Cityscapes' 19 train ids with
255 ignored, so the classes and palette are mmseg's ``CityscapesDataset``'s. RUAS-TPAMI
evaluates night-time segmentation (Table XI: 400 images for search and training, 106 for
testing, "randomly sampled" from ACDC night's 506 labelled images: the counts of the official
night train / val folders, which are the configs' default). The paper's random draw is
``split=('train', 'val')`` with an ``ann_file`` written by
``tools/dataset_converters/make_split.py acdc``: paths relative to ``data_root``.

Unlike mmseg's folder datasets, a missing ground-truth file, an empty folder, or a label
image that is not a single-channel image of the photograph's size stop the construction
with one line naming the file (sizes are read from the PNG headers only).
"""
from __future__ import annotations

import os.path as osp
from collections.abc import Sequence

from mmseg.datasets import CityscapesDataset
from mmseg.registry import DATASETS
from PIL import Image, UnidentifiedImageError

from ...datasets.enhanced_images import EnhancedImagesMixin
from ...datasets.splits import select_listed

__all__ = ['ACDCDataset', 'ACDC_CONDITIONS']

ACDC_CONDITIONS = ('fog', 'night', 'rain', 'snow')
_LABEL_MODES = ('L', 'P', 'I', 'I;16')


def _image_size(path: str, what: str) -> tuple[tuple[int, int], str]:
    """``((width, height), mode)`` from the header; one-line errors name the file."""
    try:
        with Image.open(path) as im:
            return im.size, im.mode
    except FileNotFoundError:
        raise FileNotFoundError(f'{path}: {what} not found') from None
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f'{path}: unreadable {what} ({exc})') from None


@DATASETS.register_module()
class ACDCDataset(EnhancedImagesMixin, CityscapesDataset):
    """ACDC semantic segmentation for one or more weather conditions.

    Args:
        condition: ``'night'`` (default, the paper's setting), ``'fog'``, ``'rain'``,
            ``'snow'``, or a sequence of them.
        split: ``'train'``, ``'val'`` or ``'test'`` (``test`` has no public labels: no
            ``seg_map_path``, so the pipeline must not load annotations), or a sequence of
            them (their images together, e.g. ``('train', 'val')`` with an ``ann_file``).
        ann_file: a name list (relative to ``data_root``; lines
            ``rgb_anon/<condition>/<split>/<sequence>/<name>_rgb_anon.png``) selecting and
            ordering the images; a listed image not found is an error naming it.
        check_labels: check that every label file exists, is single-channel and has the
            size of its image (PNG headers only).
        **kwargs: ``BaseSegDataset``'s arguments (``data_root``, ``pipeline``,
            ``test_mode``, ``indices``, ...). ``data_prefix``, ``img_suffix`` and
            ``seg_map_suffix`` follow from the layout and cannot be set.
    """

    def __init__(self, condition: str | Sequence[str] = 'night',
                 split: str | Sequence[str] = 'train', check_labels: bool = True,
                 **kwargs) -> None:
        conditions = (condition,) if isinstance(condition, str) else tuple(condition)
        bad = [c for c in conditions if c not in ACDC_CONDITIONS]
        if bad or not conditions:
            raise ValueError(f'ACDCDataset: condition must be one of {ACDC_CONDITIONS} (or a '
                             f'list of them), got {condition!r}')
        splits = (split,) if isinstance(split, str) else tuple(split)
        if not splits or any(s not in ('train', 'val', 'test') for s in splits):
            raise ValueError(f"ACDCDataset: split must be 'train', 'val' or 'test' (or a list "
                             f'of them), got {split!r}')
        for key in ('data_prefix', 'img_suffix', 'seg_map_suffix'):
            if key in kwargs:
                raise ValueError(f'ACDCDataset: {key!r} follows from the ACDC layout; set '
                                 'condition and split instead')
        self.conditions, self.splits = conditions, splits
        self.check_labels = bool(check_labels)
        super().__init__(img_suffix='_rgb_anon.png', seg_map_suffix='_gt_labelTrainIds.png',
                         data_prefix=dict(img_path='', seg_map_path=''), **kwargs)

    def load_data_list(self) -> list[dict]:
        """Every image of the conditions' split (sorted), checked as the module doc says."""
        root = self.data_root or ''
        ann_file, self.ann_file = self.ann_file, ''   # mmseg reads it otherwise
        data_list = []
        try:
            for cond in self.conditions:
                for split in self.splits:
                    img_dir = osp.join(root, 'rgb_anon', cond, split)
                    ann_dir = None if split == 'test' else osp.join(root, 'gt', cond, split)
                    if not osp.isdir(img_dir):
                        raise FileNotFoundError(f'{img_dir}: no such directory (ACDC layout: '
                                                'rgb_anon/<condition>/<split>/<sequence>/)')
                    self.data_prefix = dict(img_path=img_dir, seg_map_path=ann_dir)
                    found = super().load_data_list()
                    if not found:
                        raise FileNotFoundError(f'{img_dir}: no *_rgb_anon.png images')
                    data_list += found
        finally:
            self.ann_file = ann_file
        labelled = 'test' not in self.splits
        self.data_prefix = dict(img_path=osp.join(root, 'rgb_anon'),
                                seg_map_path=osp.join(root, 'gt') if labelled else None)
        if ann_file:
            for info in data_list:
                info['rel_path'] = osp.relpath(info['img_path'], root).replace(osp.sep, '/')
            data_list = [{k: v for k, v in info.items() if k != 'rel_path'}
                         for info in select_listed(data_list, ann_file, 'rel_path')]
        if self.check_labels:
            for info in data_list:
                if info.get('seg_map_path'):
                    self._check_label(info['img_path'], info['seg_map_path'])
        return data_list

    @staticmethod
    def _check_label(img_path: str, seg_path: str) -> None:
        if not osp.isfile(seg_path):
            raise FileNotFoundError(f'{seg_path}: ground truth of {osp.basename(img_path)} '
                                    'not found')
        size, _ = _image_size(img_path, 'image')
        seg_size, mode = _image_size(seg_path, 'label image')
        if mode not in _LABEL_MODES:
            raise ValueError(f'{seg_path}: label image has mode {mode}, expected a '
                             'single-channel train-id image')
        if seg_size != size:
            raise ValueError(f'{seg_path}: label image is {seg_size[0]}x{seg_size[1]}, its '
                             f'image {size[0]}x{size[1]} (width x height)')
