"""MIT-Adobe FiveK (Bychkovsky et al., CVPR 2011) as RUAS-TPAMI §6.1 uses it: input
images with the expert-C retouches as references, 500 for search/training and 100 for
testing, drawn at random (written as name lists by tools/dataset_converters/make_split.py)."""
from __future__ import annotations

import os.path as osp
from collections.abc import Sequence

from mmruas.registry import DATASETS

from .folders import IMG_EXTENSIONS, PairedFolderDataset
from .splits import select_listed

__all__ = ['MIT5KDataset', 'EXPERT_C_DIRS', 'find_expert_dir']

#: folder names of the expert-C references tried in this order when ``gt_dir=None``
EXPERT_C_DIRS = ('expertC', 'Expert-C', 'ExpertC', 'expert_c', 'C')


def find_expert_dir(data_root: str, candidates: Sequence[str] = EXPERT_C_DIRS) -> str:
    """The first of ``candidates`` that is a folder under ``data_root``; one-line error
    naming the root and the names tried."""
    for name in candidates:
        if osp.isdir(osp.join(data_root, name)):
            return name
    raise FileNotFoundError(f'no expert-C folder ({", ".join(candidates)}) in {data_root}')


@DATASETS.register_module()
class MIT5KDataset(PairedFolderDataset):
    """MIT-Adobe FiveK inputs paired by file stem with expert C (the reference RUAS-TPAMI
    §6.1 says is the usual one; we use expert C)::

        data_root/input/a0001.jpg        data_root/expertC/a0001.tif   (or .jpg / .png)

    Extensions may differ between the two folders; a stem occurring twice in one folder is
    an error. ``ann_file`` (relative to ``data_root``, or absolute): input file names, one a
    line (``a0001.jpg``), as written by ``make_split.py mit5k``; without it every paired
    input is used. The training configs read only the inputs (the unsupervised losses);
    the test configs read the pairs.

    Args:
        data_root: the folder holding ``input_dir`` and the expert folder.
        input_dir: the input images' folder.
        gt_dir: the expert-C folder; ``None``: the first of :data:`EXPERT_C_DIRS` present.
        ann_file: a name list selecting (and ordering) the inputs.
        pipeline, extensions, skip_unpaired, **kwargs: as :class:`PairedFolderDataset`.
    """

    def __init__(self, data_root: str, input_dir: str = 'input', gt_dir: str | None = None,
                 ann_file: str = '', pipeline: Sequence = (),
                 extensions: Sequence[str] = IMG_EXTENSIONS, skip_unpaired: bool = False,
                 **kwargs) -> None:
        if gt_dir is None and osp.isdir(str(data_root)):
            gt_dir = find_expert_dir(str(data_root))
        super().__init__(data_root, input_dir=input_dir, gt_dir=gt_dir or EXPERT_C_DIRS[0],
                         pipeline=pipeline, extensions=extensions,
                         skip_unpaired=skip_unpaired, ann_file=ann_file, **kwargs)

    def load_data_list(self) -> list[dict]:
        """The stem-matched pairs, restricted to ``ann_file``'s names if given."""
        infos = super().load_data_list()
        for info in infos:
            info['name'] = osp.basename(info['img_path'])
        return select_listed(infos, self.ann_file, 'name') if self.ann_file else infos
