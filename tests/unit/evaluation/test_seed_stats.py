"""mmruas.evaluation.seed_stats: results over seeds and the papers' orderings of rows."""
from __future__ import annotations

import numpy as np
import pytest

from mmruas.evaluation.seed_stats import compare_orders, orders_markdown, summarise_seeds


def test_no_spread_is_decided_by_the_difference():
    results = [dict(row=r, seed=k, mAP=v, per_class={'Cat': v}) for r, v in
               (('a', 0.5), ('b', 0.6), ('c', 0.5)) for k in (0, 1)]
    summary = summarise_seeds(results, ['a', 'b', 'c'])
    assert summary[1]['per_class'] == {'Cat': pytest.approx(0.6)}
    got = compare_orders(summary, [('a', 'b', 'x'), ('a', 'c', 'y')])
    assert [(o['holds'], o['beyond_spread'], o['p']) for o in got] == [
        (True, True, 0.0), (False, False, 1.0)]


def test_orders_by_welch_over_seeds():
    """The papers' orders checked on the means; 'beyond the spread' by Welch's t, here
    against the textbook formula (t, Welch-Satterthwaite degrees of freedom, Student's t)."""
    from scipy.stats import t as student
    results = [dict(row=row, seed=k, mAP=v, per_class={})
               for row, values in (('tm', [0.50, 0.52, 0.49]), ('ruas', [0.60, 0.63, 0.62]),
                                   ('searched_tm', [0.64, 0.58, 0.66]),
                                   ('ruas_s_tm', [0.51]))
               for k, v in enumerate(values)]
    orders = [('tm', 'ruas', 'Table VIII: 0.611 < 0.685'), ('searched_tm', 'ruas', 'VIII'),
              ('tm', 'ruas_s_tm', 'VIII'), ('tm', 'hier', 'absent row')]
    summary = summarise_seeds(results, ['tm', 'ruas', 'searched_tm', 'ruas_s_tm', 'hier'])
    assert summary[0]['mean'] == pytest.approx(0.5033333) and summary[3]['std'] == 0.0
    assert summary[4]['mean'] is None and summary[4]['std'] is None
    order = {(o['lower'], o['higher']): o for o in compare_orders(summary, orders)}
    assert set(order) == {('tm', 'ruas'), ('searched_tm', 'ruas')}   # ruas_s_tm: one seed
    a, b = np.array([0.60, 0.63, 0.62]), np.array([0.50, 0.52, 0.49])
    va, vb = a.var(ddof=1) / 3, b.var(ddof=1) / 3
    t = (a.mean() - b.mean()) / np.sqrt(va + vb)
    df = (va + vb) ** 2 / (va ** 2 / 2 + vb ** 2 / 2)
    o = order[('tm', 'ruas')]
    assert o['delta'] == pytest.approx(a.mean() - b.mean())
    assert o['t'] == pytest.approx(t) and o['p'] == pytest.approx(2 * student.sf(t, df))
    assert o['holds'] and o['beyond_spread']
    o = order[('searched_tm', 'ruas')]   # ruas lower in the means, well within the spread
    assert not o['holds'] and not o['beyond_spread'] and o['delta'] == pytest.approx(-0.01)
    assert '| `tm` < `ruas` | Table VIII: 0.611 < 0.685 | +0.113 |' in orders_markdown(
        list(order.values()))
