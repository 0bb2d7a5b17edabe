"""Train and test a task on another enhancer's outputs (the "enhancer + task" rows).

RUAS-TPAMI Tables IX–XI and BGL Tables 1–3 compare against other enhancers with the task
model retrained "on the enhanced results" of each method. :class:`EnhancedImagesMixin`
gives a data set one argument for that, ``enhanced_root``: a folder tree that mirrors the
data set's ``data_root`` (what ``tools/enhance.py --keep-tree DATA_ROOT OUT`` writes). Every
image the data set lists is then read from ``enhanced_root`` at the same relative path —
the same file name, or the same stem with another image extension (``a.jpg`` → ``a.png``)
— while annotations, labels and split lists still come from ``data_root``. A missing,
ambiguous or resized enhanced image is an error naming the file, raised when the data set
is built, before any training step.

A config needs nothing else (docs/reproduce.md#comparison-rows):

    --cfg-options train_dataloader.dataset.enhanced_root=OUT \\
        val_dataloader.dataset.enhanced_root=OUT test_dataloader.dataset.enhanced_root=OUT
"""
from __future__ import annotations

import os
import os.path as osp

from .folders import image_size

__all__ = ['EnhancedImagesMixin', 'substitute_images']

IMAGE_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp')


def substitute_images(infos: list[dict], data_root: str, enhanced_root: str) -> list[dict]:
    """``infos`` with each ``img_path`` moved from ``data_root`` to ``enhanced_root``.

    The enhanced file is ``enhanced_root/<path relative to data_root>``, or the one file of
    that folder with the same stem and an image extension. Its size must equal the
    original's (boxes and label maps are in the original's pixel frame). Raises
    ``FileNotFoundError`` / ``ValueError`` naming the first offending file and the count.
    """
    if not osp.isdir(enhanced_root):
        raise FileNotFoundError(f'enhanced_root not found: {enhanced_root}')
    root = osp.abspath(data_root)
    listings: dict[str, dict[str, list[str]]] = {}
    missing, out = [], []
    for info in infos:
        src = osp.abspath(info['img_path'])
        rel = osp.relpath(src, root)
        if rel.startswith(os.pardir):
            raise ValueError(f'{src}: image outside data_root {root}; enhanced_root mirrors '
                             'data_root, so it cannot hold this image')
        folder = osp.join(enhanced_root, osp.dirname(rel))
        if folder not in listings:
            by_stem: dict[str, list[str]] = {}
            if osp.isdir(folder):
                for name in sorted(os.listdir(folder)):
                    stem, ext = osp.splitext(name)
                    if ext.lower() in IMAGE_EXTENSIONS:
                        by_stem.setdefault(stem, []).append(name)
            listings[folder] = by_stem
        name = osp.basename(rel)
        same = listings[folder].get(osp.splitext(name)[0], [])
        if name in same:
            same = [name]
        if not same:
            missing.append(osp.join(folder, name))
            continue
        if len(same) > 1:
            raise ValueError(f'{folder}: {" and ".join(same)} both match {name}; keep one')
        dst = osp.join(folder, same[0])
        got, want = image_size(dst), image_size(src)
        if got != want:
            raise ValueError(f'{dst}: enhanced image is {got[0]}x{got[1]}, its original {src} '
                             f'{want[0]}x{want[1]} (width x height); enhancers must keep the size')
        out.append(dict(info, img_path=dst))
    if missing:
        raise FileNotFoundError(f'enhanced image not found: {missing[0]} ({len(missing)} of '
                                f'{len(infos)} missing under {enhanced_root})')
    return out


class EnhancedImagesMixin:
    """Adds ``enhanced_root`` (see the module doc) to an mmengine ``BaseDataset``.

    Put it first among the bases of the final data set class: its ``filter_data`` runs
    after the class's own ``load_data_list`` and filters, before serialisation.
    """

    def __init__(self, *args, enhanced_root: str | None = None, **kwargs) -> None:
        self.enhanced_root = enhanced_root
        super().__init__(*args, **kwargs)

    def filter_data(self) -> list[dict]:
        infos = super().filter_data()
        if not self.enhanced_root:
            return infos
        return substitute_images(infos, self.data_root or '', self.enhanced_root)
