"""tools/analysis_tools/benchmark_cost.py on the CPU at tiny sizes: the table's rows and
columns, and ratios that are the quotients of the printed times (no timing thresholds)."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.helpers import REPO

TOOL = REPO / 'tools' / 'analysis_tools' / 'benchmark_cost.py'


def _tables(text: str) -> list[list[list[str]]]:
    """The markdown tables of ``text`` as rows of cells (header first, rule dropped)."""
    tables, rows = [], []
    for line in text.splitlines() + ['']:
        if line.startswith('|'):
            if not set(line) <= set('|-: '):
                rows.append([c.strip() for c in line.strip().strip('|').split('|')])
        elif rows:
            tables.append(rows)
            rows = []
    return tables


def _close(ratio: str, a: str, b: str) -> bool:
    """The printed ratio (3 decimals) equals a / b of the printed times (2 decimals)."""
    q = float(a) / float(b)
    return abs(float(ratio) - q) <= 5e-4 + q * (0.005 / float(a) + 0.005 / float(b))


@pytest.mark.slow
def test_cost_table_rows_columns_and_ratios(tmp_path):
    out = tmp_path / 'cost.md'
    env = dict(os.environ, OMP_NUM_THREADS='1')
    proc = subprocess.run(
        [sys.executable, str(TOOL), '--configs', 'enhance_lol5', 'bgl_sid', '--device', 'cpu',
         '--size', '32', '32', '--batch-size', '1', '--infer-batches', '1', '2',
         '--warmup', '0', '--iters', '1', '--bgl-shape', '32', '32', '--bgl-k', '2',
         '--out', str(out)], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = out.read_text()
    assert text in proc.stdout
    assert text.startswith('Cost table (CPU, ')
    train, infer, memory, bgl = _tables(text)

    assert train[0][:3] == ['config', 'input', 'batch'] and len(train[0]) == 11
    assert [r[:3] for r in train[1:]] == [['enhance_lol5', '32x32', '1']]
    row = dict(zip(train[0], train[1]))
    assert row['plain step (ms)'] == row['scene / plain'] == 'n/a'   # the scene is the model
    assert _close(row['scene-search / plain'], row['search scene step (ms)'],
                  row['search plain step (ms)'])
    assert _close(row['task-search / plain'], row['search task step (ms)'],
                  row['search plain step (ms)'])

    assert infer[0] == ['config', 'inference', 'batch 1 (images/s)', 'batch 2 (images/s)']
    assert [r[:2] for r in infer[1:]] == [['enhance_lol5', m]
                                          for m in ('fp32', 'amp', 'channels_last')]
    assert infer[2][2:] == ['n/a (CPU)', 'n/a (CPU)']
    assert all(float(c) > 0 for r in (infer[1], infer[3]) for c in r[2:])

    assert memory[0][2] == 'peak memory (MiB; CPU peak RSS (VmHWM) growth)'
    assert [r[:2] for r in memory[1:]] == [
        ['enhance_lol5', 'scene (ruas_lol5_authors_recipe.py, train step)'],
        ['enhance_lol5', 'search (ruas_search_lol5.py, train step)']]

    assert bgl[0][0] == 'BGL (SID, batch 2, 32x32)' and len(bgl) == 4
    tbgl, ibgl = bgl[1], bgl[2]
    assert tbgl[0].startswith('TBGL') and ibgl[0].startswith('IBGL')
    assert tbgl[3] == '1.00'
    assert abs(float(ibgl[3]) - float(ibgl[2]) / float(tbgl[2])) <= 0.01 + 0.1 / float(tbgl[2])


def test_cost_tool_refuses_bad_arguments():
    proc = subprocess.run([sys.executable, str(TOOL), '--iters', '0'], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == (
        'error: --size must be >= 32, --iters/--batch-size/--infer-batches positive, '
        '--warmup >= 0')
