"""tools/dataset_converters/make_split.py as a command: the LOL-v2 random split, existing lists
refused without --overwrite, one-line errors."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from mmruas.datasets import LOLv2Dataset
from tests.helpers import REPO
from tests.helpers.data import make_tiny_lolv2, make_tiny_mit5k
from tests.helpers.tools import load_tool

TOOL = REPO / 'tools' / 'dataset_converters' / 'make_split.py'



make_split = load_tool('dataset_converters', 'make_split.py')



def names(ds) -> list[str]:
    return [ds.get_data_info(i)['name'] for i in range(len(ds))]



def test_lolv2_tool_random_split(tmp_path):
    root = make_tiny_lolv2(str(tmp_path / 'lol'), n_train=5, n_test=3)
    train, test = make_split.make_split('lolv2', root, seed=3, sizes=(6, 2))
    assert len(train) == 6 and len(test) == 2 and not set(train) & set(test)
    assert set(train) | set(test) == set(names(LOLv2Dataset(root, split=None)))
    info = json.loads((tmp_path / 'lol' / 'lolv2_split.json').read_text())
    assert (info['seed'], info['total'], info['lists']) == (
        3, 8, {'ruas_random_train.txt': 6, 'ruas_random_test.txt': 2})
    ds = LOLv2Dataset(root, split=None, ann_file='ruas_random_test.txt')
    assert names(ds) == test
    # a second machine: the same lists
    copy = make_tiny_lolv2(str(tmp_path / 'lol2'), n_train=5, n_test=3)
    assert make_split.make_split('lolv2', copy, seed=3, sizes=(6, 2)) == [train, test]



def test_cli_refuses_overwrite_and_one_line_errors(tmp_path, capsys):
    """main() in-process for the cases; the real entry point once for its exit status and
    its one ``error:`` line."""
    from mmruas.utils import ToolError
    root = make_tiny_mit5k(str(tmp_path / 'mit'), n=5)
    argv = ['mit5k', root, '--sizes', '3', '2']
    assert make_split.main(argv) == 0
    lists = (tmp_path / 'mit' / 'train.txt').read_text()
    with pytest.raises(ToolError, match='train.txt exists'):
        make_split.main(argv + ['--seed', '1'])
    assert (tmp_path / 'mit' / 'train.txt').read_text() == lists
    assert make_split.main(argv + ['--seed', '1', '--overwrite']) == 0
    assert (tmp_path / 'mit' / 'train.txt').read_text() != lists
    with pytest.raises(ToolError, match='data root not found'):
        make_split.main(['mit5k', str(tmp_path / 'nowhere')])
    bad = subprocess.run([sys.executable, str(TOOL), 'mit5k', root, '--sizes', '3', '2'],
                         capture_output=True, text=True, cwd=REPO)
    assert bad.returncode == 2 and bad.stderr.startswith('error: ')
    assert 'train.txt exists' in bad.stderr and bad.stderr.strip().count('\n') == 0


