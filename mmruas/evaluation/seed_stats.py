"""Results over training seeds: mean ± std per row and the papers' orderings of two rows
checked against the spread over seeds (Welch's t-test), for ablations such as RUAS-TPAMI
Tables VI and VIII (tools/analysis_tools/ablate_scene.py)."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ['summarise_seeds', 'compare_orders', 'orders_markdown']


def summarise_seeds(results: Sequence[dict], rows: Sequence[str], key: str = 'mAP',
                    per_class: str = 'per_class') -> list[dict]:
    """Per row of ``rows`` (each result a dict with ``row``, ``seed``, ``key`` and the
    per-class dict ``per_class``): its seeds, values, mean and std (ddof 1; 0 for one seed,
    ``None`` for none) and the per-class means."""
    out = []
    for row in rows:
        done = sorted((r for r in results if r['row'] == row), key=lambda r: r['seed'])
        values = np.array([r[key] for r in done], float)
        classes = sorted({c for r in done for c in r[per_class]})
        out.append(dict(
            row=row, seeds=[r['seed'] for r in done], values=values.tolist(),
            mean=float(values.mean()) if len(values) else None,
            std=float(values.std(ddof=1)) if len(values) > 1 else (0.0 if len(values) else None),
            per_class={c: float(np.mean([r[per_class][c] for r in done])) for c in classes}))
    return out


def compare_orders(summary: Sequence[dict], orders: Sequence[tuple[str, str, str]],
                   alpha: float = 0.05) -> list[dict]:
    """Each ``(lower, higher, where)`` of ``orders`` whose two rows have two or more seeds:
    the difference of the means (higher − lower), Welch's t and two-sided p over the seeds,
    whether the order holds in the means and whether the difference is beyond the spread
    over seeds (p < ``alpha``)."""
    from scipy import stats
    by_row = {s['row']: s for s in summary}
    out = []
    for lower, higher, where in orders:
        lo, hi = by_row.get(lower), by_row.get(higher)
        if lo is None or hi is None or min(len(lo['values']), len(hi['values'])) < 2:
            continue
        delta = hi['mean'] - lo['mean']
        if lo['std'] == hi['std'] == 0.0:   # no spread at all: any difference is beyond it
            t, p = (float('inf') if delta else 0.0), (0.0 if delta else 1.0)
        else:
            t, p = stats.ttest_ind(hi['values'], lo['values'], equal_var=False)
        out.append(dict(lower=lower, higher=higher, paper=where, delta=float(delta),
                        t=float(t), p=float(p), holds=bool(delta > 0),
                        beyond_spread=bool(p < alpha)))
    return out


def orders_markdown(rows: Sequence[dict], what: str = 'mAP') -> str:
    """:func:`compare_orders`' result as a Markdown table."""
    lines = [f'| paper\'s order | where | Δ {what} (higher − lower) | Welch t | p | in the '
             'means | beyond the seed spread (p < 0.05) |', '|---|---|---:|---:|---:|---|---|']
    for o in rows:
        lines.append(f'| `{o["lower"]}` < `{o["higher"]}` | {o["paper"]} | {o["delta"]:+.3f} | '
                     f'{o["t"]:.2f} | {o["p"]:.3f} | {"holds" if o["holds"] else "reversed"} '
                     f'| {"yes" if o["beyond_spread"] else "no"} |')
    return '\n'.join(lines) + '\n'
