"""`make demo`'s α-entropy report (tools/demo.py: search_entropies, entropy_table)."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from tests.helpers.tools import load_tool


def load_demo():
    return load_tool('demo.py')


def entropy(alpha: np.ndarray) -> float:
    """Mean over edges of −Σ p·ln p, p = softmax(α) (independent of the library)."""
    e = np.exp(alpha - alpha.max(-1, keepdims=True))
    p = e / e.sum(-1, keepdims=True)
    return float(-(p * np.log(p)).sum(-1).mean())


def test_search_entropies_last_entry_tied_once_and_bound(tmp_path):
    demo = load_demo()
    rng = np.random.default_rng(0)
    scene = rng.normal(0, 2.0, (7, 7))              # decided: spread ~±2
    neck = np.zeros((4, 10))                        # exactly uniform
    head = rng.normal(0, 0.3, (6, 10))              # barely moved
    old = dict(iter=10, ended='scene', alphas={'cell': np.zeros((7, 7)).tolist()})
    last = dict(iter=20, ended='task', alphas={
        'scene.stages.0.cell': scene.tolist(), 'scene.stages.1.cell': scene.tolist(),
        'scene.stages.2.cell': scene.tolist(), 'task.neck': neck.tolist(),
        'task.bbox_head.reg_convs': head.tolist()})
    (tmp_path / 'alpha_history.json').write_text(json.dumps([old, last]))

    rows = demo.search_entropies(str(tmp_path))
    assert [r['unit'] for r in rows] == ['scene.stages.0.cell', 'task.neck',
                                         'task.bbox_head.reg_convs']
    assert [r['tied'] for r in rows] == [3, 1, 1]
    assert [(r['edges'], r['ops']) for r in rows] == [(7, 7), (4, 10), (6, 10)]
    for r, a in zip(rows, (scene, neck, head)):
        assert r['entropy'] == pytest.approx(entropy(a), abs=1e-12)
        assert r['uniform'] == pytest.approx(math.log(a.shape[1]), abs=1e-15)
        assert r['ratio'] == pytest.approx(entropy(a) / math.log(a.shape[1]), abs=1e-12)
        assert r['iter'] == 20
    assert rows[1]['entropy'] == pytest.approx(math.log(10), abs=1e-12)
    assert [r['decided'] for r in rows] == [True, False, False]
    assert rows[0]['ratio'] < demo.DECIDED_RATIO < rows[2]['ratio'] < 1

    table = demo.entropy_table(rows)
    assert '| scene.stages.0.cell (α tied over 3 cells) | 7 | 7 | ' \
           f'{entropy(scene):.4f} | {math.log(7):.4f} |' in table
    assert f'| task.neck | 4 | 10 | {math.log(10):.4f} | {math.log(10):.4f} | 1.000 | no |' \
        in table
