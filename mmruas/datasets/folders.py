"""Image-folder data sets: paired (input / ground truth) and unpaired (input only).

Every data info holds ``img_path`` and, for paired data, ``gt_path``; infos are sorted by
file name so that the order is deterministic on every file system. The scanning helpers
here are shared with :class:`~mmruas.datasets.LOLDataset`.
"""
from __future__ import annotations

import logging
import os
import os.path as osp
from collections.abc import Callable, Sequence

from mmengine.dataset import BaseDataset
from mmengine.logging import print_log
from PIL import Image

from mmruas.registry import DATASETS

__all__ = ['IMG_EXTENSIONS', 'PairedFolderDataset', 'UnpairedFolderDataset', 'list_images',
           'pair_images']

IMG_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp', '.ppm', '.pgm')


def image_size(path: str) -> tuple[int, int]:
    """(width, height) from the file's header; ValueError naming an unreadable file."""
    try:
        with Image.open(path) as img:
            return img.size
    except OSError as err:
        raise ValueError(f'cannot read image size of {path}: {err}') from None


def check_dir(path: str, what: str = 'folder') -> str:
    """Return ``path`` or raise ``FileNotFoundError`` naming it."""
    if not osp.isdir(path):
        raise FileNotFoundError(f'{what} not found: {path}')
    return path


def list_images(folder: str, extensions: Sequence[str] = IMG_EXTENSIONS,
                recursive: bool = False) -> list[str]:
    """Image files under ``folder`` (case-insensitive extensions), as sorted relative paths.

    Raises ``FileNotFoundError`` for a missing folder and ``ValueError`` for one without
    images, both naming the folder.
    """
    check_dir(folder)
    exts = tuple(e.lower() if e.startswith('.') else f'.{e.lower()}' for e in extensions)
    found = []
    if recursive:
        for root, dirs, files in os.walk(folder, followlinks=True):
            dirs.sort()
            rel = osp.relpath(root, folder)
            found += [name if rel == '.' else osp.join(rel, name) for name in files
                      if name.lower().endswith(exts)]
    else:
        found = [name for name in os.listdir(folder)
                 if name.lower().endswith(exts) and osp.isfile(osp.join(folder, name))]
    if not found:
        raise ValueError(f'no images with extensions {exts} in folder: {folder}')
    return sorted(found)


def _index(names: list[str], folder: str, by_stem: bool,
           key_fn: Callable[[str], str] | None = None) -> dict[str, str]:
    """Map each matching key (``key_fn(name)``, else name or stem) to its file name; a
    repeated key is an error."""
    index: dict[str, str] = {}
    for name in names:
        key = key_fn(name) if key_fn else osp.splitext(name)[0] if by_stem else name
        if key in index:
            raise ValueError(f'ambiguous files {index[key]!r} and {name!r} in folder: {folder}')
        index[key] = name
    return index


def pair_images(input_dir: str, gt_dir: str, by_stem: bool = False,
                extensions: Sequence[str] = IMG_EXTENSIONS,
                skip_unpaired: bool = False,
                key_fn: Callable[[str], str] | None = None) -> list[dict]:
    """Pair ``input_dir/<f>`` with ``gt_dir/<g>``; return sorted ``img_path``/``gt_path`` infos.

    Files match by full name, by stem when ``by_stem`` (``a.jpg`` with ``a.tif``), or by
    ``key_fn(name)`` when given (e.g. the number in ``low00001.png``). An
    input without ground truth raises ``FileNotFoundError`` naming it, unless
    ``skip_unpaired``, which warns and leaves it out. Ground truths without an input are
    ignored.
    """
    inputs = list_images(input_dir, extensions)
    gts = _index(list_images(gt_dir, extensions), gt_dir, by_stem, key_fn)
    keys = _index(inputs, input_dir, by_stem, key_fn)  # refuse ambiguous inputs too
    keys = {name: key for key, name in keys.items()}
    infos, missing = [], []
    for name in inputs:
        gt = gts.get(keys[name])
        if gt is None:
            missing.append(osp.join(input_dir, name))
            continue
        infos.append(dict(img_path=osp.join(input_dir, name), gt_path=osp.join(gt_dir, gt)))
    if missing and not skip_unpaired:
        raise FileNotFoundError(f'no ground truth in {gt_dir} for input {missing[0]}'
                                f' ({len(missing)} unpaired input(s) in total)')
    if missing:
        print_log(f'skipped {len(missing)} input(s) without ground truth in {gt_dir}, '
                  f'e.g. {missing[0]}', logger='current', level=logging.WARNING)
    if not infos:
        raise ValueError(f'no input in {input_dir} has a ground truth in {gt_dir}')
    return infos


class _FolderDataset(BaseDataset):
    """A :class:`BaseDataset` whose infos come from a folder scan instead of an ann file."""

    def __init__(self, data_root: str, pipeline: Sequence = (), **kwargs) -> None:
        if not osp.isdir(str(data_root)):
            raise FileNotFoundError(f'data_root not found: {data_root}')
        kwargs.setdefault('data_prefix', dict())
        super().__init__(data_root=str(data_root), pipeline=list(pipeline), **kwargs)


@DATASETS.register_module()
class PairedFolderDataset(_FolderDataset):
    """Input / ground-truth folders matched by file stem (MIT-Adobe FiveK style).

    ``data_root/<input_dir>/a0001.jpg`` pairs with ``data_root/<gt_dir>/a0001.tif`` (any
    extension in ``extensions``). Other ``BaseDataset`` arguments (``test_mode``,
    ``indices``, ``lazy_init``, ...) pass through ``kwargs``.

    Args:
        data_root: the folder holding ``input_dir`` and ``gt_dir``.
        input_dir: sub-folder of low-light inputs.
        gt_dir: sub-folder of ground truths, e.g. ``'expertC'``.
        pipeline: transforms (configs or callables).
        extensions: image file extensions to consider (case-insensitive).
        skip_unpaired: warn about and skip inputs without ground truth instead of raising.
    """

    def __init__(self, data_root: str, input_dir: str = 'input', gt_dir: str = 'expertC',
                 pipeline: Sequence = (), extensions: Sequence[str] = IMG_EXTENSIONS,
                 skip_unpaired: bool = False, **kwargs) -> None:
        self.input_dir = input_dir
        self.gt_dir = gt_dir
        self.extensions = tuple(extensions)
        self.skip_unpaired = skip_unpaired
        super().__init__(data_root, pipeline, **kwargs)

    def load_data_list(self) -> list[dict]:
        """Scan and pair the two folders."""
        return pair_images(osp.join(self.data_root, self.input_dir),
                           osp.join(self.data_root, self.gt_dir), by_stem=True,
                           extensions=self.extensions, skip_unpaired=self.skip_unpaired)


@DATASETS.register_module()
class UnpairedFolderDataset(_FolderDataset):
    """Low-light images only (no ground truth), e.g. for unsupervised training.

    Args:
        data_root: the image folder.
        pipeline: transforms (configs or callables).
        recursive: also collect images in sub-folders (sorted by relative path).
        extensions: image file extensions to consider (case-insensitive).
    """

    def __init__(self, data_root: str, pipeline: Sequence = (), recursive: bool = False,
                 extensions: Sequence[str] = IMG_EXTENSIONS, **kwargs) -> None:
        self.recursive = recursive
        self.extensions = tuple(extensions)
        super().__init__(data_root, pipeline, **kwargs)

    def load_data_list(self) -> list[dict]:
        """Scan the folder."""
        names = list_images(self.data_root, self.extensions, self.recursive)
        return [dict(img_path=osp.join(self.data_root, name)) for name in names]
