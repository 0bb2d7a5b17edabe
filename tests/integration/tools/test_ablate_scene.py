"""tools/analysis_tools/ablate_scene.py (RUAS-TPAMI Tables VI / VIII in miniature) and the
harder mini ExDark set it runs on (``MINI_EXDARK_HARD``)."""
from __future__ import annotations

import json
import os
import os.path as osp

import numpy as np
import pytest

from mmruas.det.datasets import MINI_EXDARK_HARD, make_mini_exdark
from mmruas.utils.cli import ToolError
from tests.helpers.tools import load_tool

TINY = ['--n-train', '4', '--n-val', '1', '--n-test', '3', '--seeds', '0']


@pytest.fixture(scope='module')
def tool():
    return load_tool('analysis_tools', 'ablate_scene.py')


def test_hard_preset_holds_out_test_backgrounds(tmp_path):
    records = make_mini_exdark(str(tmp_path / 'hard'), seed=0, n_train=8, n_val=2, n_test=6,
                               **MINI_EXDARK_HARD)
    held = set(MINI_EXDARK_HARD['test_backgrounds'])
    assert {r['background'] for r in records if r['split'] == 'test'} <= held
    assert not {r['background'] for r in records if r['split'] != 'test'} & held
    lo, hi = MINI_EXDARK_HARD['exposure']
    assert hi < 0.03 and all(lo <= r['exposure'] <= hi for r in records)
    assert all(r['light'] == 1 for r in records)   # all ExDark 'Low'
    with pytest.raises(ValueError, match='test_backgrounds'):
        make_mini_exdark(str(tmp_path / 'bad'), n_train=1, n_val=0, n_test=1,
                         test_backgrounds=('brick', 'grass', 'gravel', 'rocket',
                                           'hubble_deep_field'))
    with pytest.raises(ValueError, match='test_backgrounds'):
        make_mini_exdark(str(tmp_path / 'bad'), n_train=1, n_val=0, n_test=1,
                         test_backgrounds=('moon',))


def fake_runs(tool, monkeypatch, fail: str | None = None) -> list:
    """Replace the training and test of a run by a fixed result; the runs it was asked for."""
    calls = []

    def fake(row, seed, args, data_root, deps, path):
        calls.append((row, seed))
        assert osp.isdir(path) and not os.listdir(path)   # a fresh run folder
        if row == fail:
            raise ToolError('train.py exited 1; log: x')
        value = 0.5 if row == 'tm' else 0.7 + 0.1 * seed
        return dict(row=row, seed=seed, mAP=value, per_class={'Cat': value, 'Cup': 0.0},
                    train_s=1.0, test_s=1.0)
    monkeypatch.setattr(tool, 'train_and_test', fake)
    return calls


def test_grid_table_skip_and_resume(tool, monkeypatch, tmp_path, capsys):
    work = str(tmp_path / 'ab')
    argv = ['--work-dir', work, '--rows', 'tm', 'hier', *TINY[:-1], '0', '1']
    calls = fake_runs(tool, monkeypatch)
    assert tool.main(argv) == 0
    assert calls == [('tm', 0), ('hier', 0), ('tm', 1), ('hier', 1)]
    with open(osp.join(work, 'table.json')) as f:
        rows = json.load(f)['rows']
    assert [r['row'] for r in rows] == ['tm', 'hier']
    assert rows[0]['mean'] == 0.5 and rows[0]['std'] == 0.0
    assert rows[1]['mean'] == pytest.approx(0.75)
    assert rows[1]['std'] == pytest.approx(np.std([0.7, 0.8], ddof=1))
    assert rows[1]['per_class'] == {'Cat': pytest.approx(0.75), 'Cup': 0.0}
    table = open(osp.join(work, 'table.md')).read()
    assert '| `hier` |' in table and '**0.750** ± 0.071' in table
    assert osp.getsize(osp.join(work, 'ablation.png')) > 1000

    calls.clear()   # a rerun trains nothing
    assert tool.main(argv) == 0 and calls == []
    assert capsys.readouterr().out.count('(skipped)') == 4

    # a killed run: its result missing, its run folder partial -> only it reruns, from scratch
    os.remove(osp.join(work, 'results', 'hier_s1.json'))
    open(osp.join(work, 'runs', 'hier', 's1', 'partial.log'), 'w').close()
    assert tool.main(argv) == 0 and calls == [('hier', 1)]
    assert len(os.listdir(osp.join(work, 'results'))) == 4


KILLED_CHILD = """
import os, sys, time
sys.path.insert(0, {repo!r})
from tests.helpers.tools import load_tool
tool = load_tool('analysis_tools', 'ablate_scene.py')
def train_and_test(row, seed, args, data_root, deps, path):
    if row == 'hier':   # leave a partial run folder and hang until killed
        open(os.path.join(path, 'partial.log'), 'w').close()
        time.sleep(600)
    return dict(row=row, seed=seed, mAP=0.5, per_class={{'Cat': 0.5}}, train_s=1.0, test_s=1.0)
tool.train_and_test = train_and_test
tool.main(sys.argv[1:])
"""


def test_a_killed_grid_resumes(tool, monkeypatch, tmp_path):
    """SIGKILL of the tool during its second run: the rerun keeps the first result and
    redoes the killed run from an empty folder."""
    import signal
    import subprocess
    import sys
    import time

    from tests.helpers import REPO
    work = tmp_path / 'ab'
    argv = ['--work-dir', str(work), '--rows', 'tm', 'hier', *TINY]
    child = subprocess.Popen([sys.executable, '-c', KILLED_CHILD.format(repo=str(REPO)),
                              *argv], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    partial = work / 'runs' / 'hier' / 's0' / 'partial.log'
    deadline = time.monotonic() + 240
    while not partial.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert partial.exists(), child.stderr.read().decode()[-2000:] if child.poll() else 'slow'
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert sorted(os.listdir(work / 'results')) == ['tm_s0.json']
    calls = fake_runs(tool, monkeypatch)   # asserts every run starts in an empty folder
    assert tool.main(argv) == 0 and calls == [('hier', 0)]
    assert sorted(os.listdir(work / 'results')) == ['hier_s0.json', 'tm_s0.json']


def test_failed_run_is_reported_and_skipped(tool, monkeypatch, tmp_path, capsys):
    work = str(tmp_path / 'ab')
    calls = fake_runs(tool, monkeypatch, fail='hier')
    assert tool.main(['--work-dir', work, '--rows', 'hier', 'tm', *TINY]) == 1
    assert calls == [('hier', 0), ('tm', 0)]
    assert sorted(os.listdir(osp.join(work, 'results'))) == ['tm_s0.json']
    assert 'hier seed 0: FAILED' in capsys.readouterr().out
    with open(osp.join(work, 'table.json')) as f:
        assert [r['mean'] for r in json.load(f)['rows']] == [None, 0.5]


def test_missing_released_weights_is_one_clear_error(tool, tmp_path):
    with pytest.raises(ToolError, match='released-weights .*no such file'):
        tool.main(['--work-dir', str(tmp_path), '--rows', 'enh_tm', '--released-weights',
                   str(tmp_path / 'lol.pt'), *TINY])


@pytest.mark.slow
def test_tiny_real_grid(tool, tmp_path, capsys):
    """Two rows, one seed, two iterations each through tools/train.py and tools/test.py
    (~90 s on two cores), then a rerun that resumes the one result deleted."""
    work = str(tmp_path / 'ab')
    argv = ['--work-dir', work, '--rows', 'tm', 'e2e_lt_ls', '--train-iters', '2',
            '--input-size', '96', *TINY]
    assert tool.main(argv) == 0
    res = [json.load(open(osp.join(work, 'results', f'{r}_s0.json')))
           for r in ('tm', 'e2e_lt_ls')]
    assert all(0.0 <= r['mAP'] <= 1.0 and set(r['per_class']) >= {'Cat', 'People'}
               for r in res)
    os.remove(osp.join(work, 'results', 'tm_s0.json'))
    assert tool.main(argv) == 0
    out = capsys.readouterr().out
    assert out.count('(skipped)') == 1 and '[1/2] tm seed 0: mAP' in out
