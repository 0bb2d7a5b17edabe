"""The split lists (RUAS-TPAMI §6.1 / §7's random splits): tools/dataset_converters/make_split.py
and mmruas.datasets.write_name_splits. Same seed -> same lists (pinned values: numpy's
RandomState permutation is the same on every machine), disjoint, the requested counts,
existing lists refused without --overwrite, nothing half-written."""
from __future__ import annotations

import pytest

from mmruas.datasets import read_name_list, write_name_splits
from tests.helpers.data import make_darkface, make_tiny_acdc
from tests.helpers.tools import load_tool

make_split = load_tool('dataset_converters', 'make_split.py')

NAMES = [f'n{i:02d}' for i in range(10)]




def test_pinned_permutation_and_order_independence(tmp_path):
    out = [str(tmp_path / 'a.txt'), str(tmp_path / 'b.txt')]
    lists = write_name_splits(NAMES[::-1], out, (6, 3), seed=0, source='x')
    # numpy.random.RandomState(0).permutation(10) = [2 8 4 9 1 6 7 3 0 5]
    assert lists == [['n02', 'n08', 'n04', 'n09', 'n01', 'n06'], ['n07', 'n03', 'n00']]
    assert read_name_list(out[0]) == lists[0] and read_name_list(out[1]) == lists[1]
    again = write_name_splits(sorted(NAMES, key=hash), [str(tmp_path / 'c.txt'),
                              str(tmp_path / 'd.txt')], (6, 3), seed=0, source='x')
    assert again == lists
    other = write_name_splits(NAMES, out, (6, 3), seed=1, source='x')
    assert other != lists


def test_refuses_overwrite_before_writing_anything(tmp_path):
    a, b = tmp_path / 'a.txt', tmp_path / 'b.txt'
    b.write_text('keep\n')
    with pytest.raises(FileExistsError, match='b.txt exists'):
        write_name_splits(NAMES, [str(a), str(b)], (5, 5), 0, 'x', overwrite=False)
    assert not a.exists() and b.read_text() == 'keep\n'
    write_name_splits(NAMES, [str(a), str(b)], (5, 5), 0, 'x', overwrite=True)
    assert len(b.read_text().split()) == 5


def test_interrupted_write_leaves_no_list(tmp_path, monkeypatch):
    """A crash while a list is written leaves neither a partial list nor a temp file."""
    import mmruas.utils.safe_io as safe_io

    def boom(path):
        raise OSError(28, 'No space left on device')

    monkeypatch.setattr(safe_io, 'fsync_file', boom)
    with pytest.raises(Exception, match='No space left'):
        write_name_splits(NAMES, [str(tmp_path / 'a.txt'), str(tmp_path / 'b.txt')],
                          (5, 5), 0, 'x', overwrite=False)
    assert list(tmp_path.iterdir()) == []


def test_errors():
    with pytest.raises(ValueError, match='need 11 images, src has 10'):
        write_name_splits(NAMES, ['a', 'b'], (6, 5), 0, 'src')
    with pytest.raises(ValueError, match="'n01' occurs twice"):
        write_name_splits(NAMES + ['n01'], ['a'], (1,), 0, 'src')






def test_other_datasets(tmp_path):
    """DARK FACE and ACDC night through the one tool (their paper sizes are the defaults)."""
    assert make_split.DATASETS['darkface'][0] == (5000, 1000)
    assert make_split.DATASETS['exdark'][0] == (5200, 1200)
    assert make_split.DATASETS['acdc'][0] == (400, 106)
    assert make_split.DATASETS['lolv2'][0] == (689, 100)
    assert make_split.DATASETS['mit5k'][0] == (500, 100)
    df = make_darkface(tmp_path / 'df')
    train, test = make_split.make_split('darkface', df, sizes=(1, 1))
    assert len(train) == len(test) == 1 and train != test
    with pytest.raises(FileExistsError):
        make_split.make_split('darkface', df, sizes=(1, 1))
    acdc = str(tmp_path / 'acdc')
    make_tiny_acdc(acdc, splits=(('train', 3), ('val', 2)))
    train, test = make_split.make_split('acdc', acdc, sizes=(4, 1))
    assert len(set(train) | set(test)) == 5
    assert all(n.startswith('rgb_anon/night/') for n in train + test)
