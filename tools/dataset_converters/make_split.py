"""Write the RUAS papers' random splits as name lists, the same on every machine.

    python tools/dataset_converters/make_split.py DATASET DATA_ROOT [--seed 0]
        [--sizes N M] [--out-dir DIR] [--overwrite]

DATASET (RUAS-TPAMI §6.1 / §7; sizes are the papers' unless ``--sizes``):

* ``lolv2``: LOL-v2 Real_captured (``DATA_ROOT/{Train,Test}/{Low,Normal}``), a random
  689 / 100 of its 789 pairs -> ``ruas_random_train.txt`` / ``ruas_random_test.txt``
  (low-image paths relative to DATA_ROOT). The configs' default is the official split
  (``Train`` / ``Test``), which needs no list.
* ``mit5k``: MIT-Adobe FiveK (``DATA_ROOT/input`` + ``DATA_ROOT/expertC``, stems matching),
  500 / 100 -> ``train.txt`` / ``test.txt`` (input file names).
* ``exdark``: ExDark (``DATA_ROOT/ExDark/<class>/``), 5,200 / 1,200 ->
  ``ruas_train.txt`` / ``ruas_test.txt`` (:func:`mmruas.det.datasets.exdark.write_exdark_split`).
* ``darkface``: DARK FACE (``DATA_ROOT/image``), 5,000 / 1,000 -> ``train.txt`` /
  ``test.txt`` (:func:`mmruas.det.datasets.darkface.write_darkface_split`).
* ``acdc``: ACDC night (``DATA_ROOT/rgb_anon/night/{train,val}/<sequence>/``), a random
  400 / 106 of its 506 labelled night images -> ``ruas_night_train.txt`` /
  ``ruas_night_test.txt`` (paths relative to DATA_ROOT). The official night train / val
  (400 / 106, the same counts) stays the configs' default.

The names are sorted, permuted with ``numpy.random.RandomState(seed)`` and cut into the
sizes (:func:`mmruas.datasets.write_name_splits`); each list is written under a temporary
name and renamed into place; ``<dataset>_split.json`` beside the lists records the seed,
the sizes, the number of names drawn from and the source. Existing lists are refused
unless ``--overwrite``. Errors are one line naming the file or folder.
"""
from __future__ import annotations

import argparse
import glob
import os
import os.path as osp
from collections.abc import Callable, Sequence

#: dataset -> (default sizes, default list names)
DATASETS: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {
    'lolv2': ((689, 100), ('ruas_random_train.txt', 'ruas_random_test.txt')),
    'mit5k': ((500, 100), ('train.txt', 'test.txt')),
    'exdark': ((5200, 1200), ('ruas_train.txt', 'ruas_test.txt')),
    'darkface': ((5000, 1000), ('train.txt', 'test.txt')),
    'acdc': ((400, 106), ('ruas_night_train.txt', 'ruas_night_test.txt')),
}


def lolv2_names(root: str) -> list[str]:
    """The 789 (all) pairs' low-image paths relative to ``root``, checked paired."""
    from mmruas.datasets import LOLv2Dataset
    ds = LOLv2Dataset(root, split=None)
    return [ds.get_data_info(i)['name'] for i in range(len(ds))]


def mit5k_names(root: str) -> list[str]:
    """The input file names that have an expert-C reference."""
    from mmruas.datasets import MIT5KDataset
    ds = MIT5KDataset(root)
    return [ds.get_data_info(i)['name'] for i in range(len(ds))]


def acdc_names(root: str) -> list[str]:
    """ACDC night's labelled images (train + val) relative to ``root``."""
    names = []
    for split in ('train', 'val'):
        folder = osp.join(root, 'rgb_anon', 'night', split)
        if not osp.isdir(folder):
            raise FileNotFoundError(f'ACDC night folder not found: {folder}')
        names += [osp.relpath(p, root).replace(os.sep, '/')
                  for p in glob.glob(osp.join(folder, '*', '*_rgb_anon.png'))]
    return names


NAME_READERS: dict[str, Callable[[str], list[str]]] = {
    'lolv2': lolv2_names, 'mit5k': mit5k_names, 'acdc': acdc_names}


def make_split(dataset: str, data_root: str, seed: int = 0,
               sizes: Sequence[int] | None = None, out_dir: str | None = None,
               overwrite: bool = False) -> list[list[str]]:
    """Write ``dataset``'s split lists (module doc); returns the lists."""
    if dataset not in DATASETS:
        raise ValueError(f'unknown dataset {dataset!r}; choose from {", ".join(DATASETS)}')
    if not osp.isdir(data_root):
        raise FileNotFoundError(f'data root not found: {data_root}')
    from mmruas.datasets.splits import write_name_splits
    from mmruas.utils.safe_io import write_json
    default_sizes, list_names = DATASETS[dataset]
    sizes = tuple(int(s) for s in (sizes or default_sizes))
    if len(sizes) != 2:
        raise ValueError(f'--sizes takes two counts (train test), got {list(sizes)}')
    out_dir = out_dir or data_root
    out_files = [osp.join(out_dir, n) for n in list_names]
    info_file = osp.join(out_dir, f'{dataset}_split.json')
    info = dict(dataset=dataset, sizes=list(sizes), data_root=osp.abspath(data_root))
    if dataset in NAME_READERS:
        os.makedirs(out_dir, exist_ok=True)
        return write_name_splits(NAME_READERS[dataset](data_root), out_files, sizes, seed,
                                 data_root, overwrite=overwrite, info_file=info_file,
                                 info=info)
    # ExDark, DARK FACE: their modules' own writers (the same sort + permutation)
    if not overwrite:
        for path in out_files + [info_file]:
            if osp.exists(path):
                raise FileExistsError(f'{path} exists (pass --overwrite to replace it)')
    os.makedirs(out_dir, exist_ok=True)
    if dataset == 'exdark':
        from mmruas.det.datasets.exdark import write_exdark_split as write
    else:
        from mmruas.det.datasets.darkface import write_darkface_split as write
    lists = write(data_root, out_files, sizes=sizes, seed=seed)
    write_json(info_file, dict(seed=seed, source=data_root,
                               lists={n: len(c) for n, c in zip(list_names, lists)},
                               method='sorted names, numpy.random.RandomState(seed).'
                                      'permutation, cut in order', **info),
               overwrite=overwrite)
    return lists


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('dataset', choices=sorted(DATASETS))
    parser.add_argument('data_root')
    parser.add_argument('--seed', type=int, default=0, help='permutation seed (default 0)')
    parser.add_argument('--sizes', type=int, nargs=2, metavar=('TRAIN', 'TEST'),
                        help="list sizes (default: the paper's)")
    parser.add_argument('--out-dir', help='folder of the lists (default: DATA_ROOT)')
    parser.add_argument('--overwrite', action='store_true', help='replace existing lists')
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Write the lists; expected failures raise ToolError (one ``error:`` line, exit 2
    through :func:`mmruas.utils.cli.run_tool`)."""
    from mmruas.utils import ToolError
    args = parse_args(argv)
    try:
        lists = make_split(args.dataset, args.data_root, args.seed, args.sizes, args.out_dir,
                           args.overwrite)
    except (OSError, ValueError, KeyError) as exc:
        raise ToolError(str(exc)) from None
    names = DATASETS[args.dataset][1]
    out_dir = args.out_dir or args.data_root
    print(', '.join(f'{osp.join(out_dir, n)}: {len(c)}' for n, c in zip(names, lists))
          + f' (seed {args.seed})')
    return 0


if __name__ == '__main__':
    from mmruas.utils.cli import run_tool
    run_tool(main)
