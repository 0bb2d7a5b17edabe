"""Heat maps of softmax(α) (edges × operations) of a search's cells, chosen op marked.

Reads ``WORK_DIR/alpha_history.json`` (written by CooperativeSearchHook on every phase
switch and at the end) and writes one PNG per searchable cell of the chosen entry
(default: the last) to ``--out`` (default ``WORK_DIR/alpha_plots``); cells with tied α
(identical values) are drawn once. Also draws, per distinct cell, the trajectory of
softmax(α) over the recorded iterations (one panel per edge, one line per operation),
``<cell>_trajectory.png``. Usage::

    python tools/analysis_tools/plot_alpha.py WORK_DIR [--index -1] [--out DIR] [--overwrite]

A missing folder, a folder without (or with a broken or malformed) ``alpha_history.json``
(an α that is not a 2-D table of finite numbers, an entry without ``iter``/``ended``, a cell
missing from an entry or changing shape) and an index out of range end with one ``error:``
line. PNG names come from the cell names reduced to a plain base name (no folder, no ``..``)
inside ``--out``; PNGs are written atomically, existing ones are replaced only with
``--overwrite``.
"""
from __future__ import annotations

import argparse
import json
import os.path as osp

import numpy as np

from mmruas.utils.cli import ToolError, run_tool
from mmruas.utils.safe_io import atomic_path, check_new_output, ensure_folder, safe_name

EDGE_NAMES = ('c1_d', 'c1_r', 'c2_d', 'c2_r', 'c3_d', 'c3_r', 'c4')


def edge_labels(n: int) -> list[str]:
    """Row names: the distillation cell's 7 edges, else one per level (SSD neck/head units)."""
    return list(EDGE_NAMES) if n == len(EDGE_NAMES) else [f'level {i}' for i in range(n)]


def softmax(a: np.ndarray) -> np.ndarray:
    e = np.exp(a - a.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _alpha(where: str, name: str, value) -> np.ndarray:
    """A cell's α as an (edges, operations) float array; ToolError naming ``where``."""
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ToolError(f'{where}: cell {name!r}: α is not a table of numbers (ragged '
                        'rows or non-numeric values)') from None
    if a.ndim != 2 or 0 in a.shape:
        raise ToolError(f'{where}: cell {name!r}: α must be a 2-D table (edges × operations), '
                        f'got shape {a.shape}')
    if not np.isfinite(a).all():
        raise ToolError(f'{where}: cell {name!r}: α holds NaN/Inf')
    return a


def _check_entry(path: str, i: int, h) -> None:
    """Raise ToolError unless entry ``i`` of ``path`` is a search history entry."""
    where = f'{path}: entry {i}'
    if not isinstance(h, dict) or not isinstance(h.get('alphas'), dict) or 'iter' not in h:
        raise ToolError(f'{where} lacks "iter" or "alphas" (not a search history)')
    if isinstance(h['iter'], bool) or not isinstance(h['iter'], int):
        raise ToolError(f'{where}: "iter" must be an integer, got {h["iter"]!r}')
    if not isinstance(h.get('ended'), str):
        raise ToolError(f'{where}: "ended" (the phase that ended) is missing or not a string')
    if not h['alphas']:
        raise ToolError(f'{where}: "alphas" holds no cell')
    cands = h.get('candidates', {})
    if not isinstance(cands, dict):
        raise ToolError(f'{where}: "candidates" must map cell names to operation names')
    for name, value in h['alphas'].items():
        a = _alpha(where, name, value)
        ops = cands.get(name)
        if ops is not None and (not isinstance(ops, list) or len(ops) != a.shape[1]
                                or not all(isinstance(o, str) for o in ops)):
            raise ToolError(f'{where}: cell {name!r}: "candidates" must list {a.shape[1]} '
                            'operation names, one per α column')


def load_history(work_dir: str) -> list[dict]:
    """The entries of ``WORK_DIR/alpha_history.json``; ToolError (one line naming the file
    and what is wrong) when the folder or the file is missing, unreadable or not a
    well-formed search history (see the module docstring)."""
    if not osp.isdir(work_dir):
        raise ToolError(f'{work_dir}: no such folder')
    path = osp.join(work_dir, 'alpha_history.json')
    if not osp.isfile(path):
        raise ToolError(f'{work_dir}: not a search work dir (no alpha_history.json; '
                        'CooperativeSearchHook writes it)')
    try:
        with open(path, encoding='utf-8') as f:
            history = json.load(f)
    except (ValueError, OSError) as exc:
        raise ToolError(f'{path}: not readable JSON ({str(exc)[:120]})') from None
    if not isinstance(history, list) or not history:
        raise ToolError(f'{path} is empty or not a list of entries')
    for i, h in enumerate(history):
        _check_entry(path, i, h)
    last = history[-1]['alphas']
    for i, h in enumerate(history[:-1]):
        for name, value in last.items():
            if name not in h['alphas']:
                raise ToolError(f'{path}: entry {i} lacks the cell {name!r} of the last entry')
            if np.shape(h['alphas'][name]) != np.shape(value):
                raise ToolError(f'{path}: cell {name!r} changes shape from '
                                f'{np.shape(h["alphas"][name])} (entry {i}) to '
                                f'{np.shape(value)} (last entry)')
    return history


def output_names(alphas: dict, suffix: str, path: str) -> dict[str, str]:
    """``{cell: PNG base name}``: the cell name as a safe base name (no folder, no ``..``)
    + ``suffix``; ToolError when two cells would share a file."""
    names: dict[str, str] = {}
    for cell in alphas:
        base = f'{safe_name(str(cell).replace(".", "_"), "cell")}{suffix}'
        clash = next((c for c, b in names.items() if b == base), None)
        if clash is not None:
            raise ToolError(f'{path}: cells {clash!r} and {cell!r} would both be drawn to '
                            f'{base}')
        names[cell] = base
    return names


def _save(fig, path: str, overwrite: bool, inputs: list[str]) -> None:
    check_new_output(path, overwrite=overwrite, inputs=inputs)
    with atomic_path(path, overwrite=overwrite) as tmp:
        fig.savefig(tmp, dpi=100, format='png')


def plot_alpha(work_dir: str, index: int = -1, out: str | None = None,
               overwrite: bool = False) -> list[str]:
    """Write the heat maps; returns the PNG paths."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    history = load_history(work_dir)
    if not -len(history) <= index < len(history):
        raise ToolError(f'--index {index}: alpha_history.json has {len(history)} entries')
    entry = history[index]
    source = osp.join(work_dir, 'alpha_history.json')
    names = output_names(entry['alphas'], f'_iter{entry["iter"]}.png', source)
    out = out or osp.join(work_dir, 'alpha_plots')
    ensure_folder(out)
    paths, drawn = [], []
    for name, alpha in entry['alphas'].items():
        a = np.asarray(alpha, dtype=np.float64)
        if any(a.shape == d.shape and np.array_equal(a, d) for d in drawn):
            continue            # tied α: same as a cell already drawn
        drawn.append(a)
        p = softmax(a)
        ops = entry.get('candidates', {}).get(name, [str(i) for i in range(a.shape[1])])
        fig, ax = plt.subplots(figsize=(1.0 + 0.8 * len(ops), 1.0 + 0.45 * len(a)))
        im = ax.imshow(p, cmap='viridis', aspect='auto')
        best = p.argmax(1)
        ax.scatter(best, np.arange(len(a)), marker='*', s=120, c='red', label='chosen')
        ax.set_xticks(range(len(ops)), ops, rotation=45, ha='right', fontsize=7)
        ax.set_yticks(range(len(a)), edge_labels(len(a)), fontsize=7)
        ax.set_title(f'{name}  (iter {entry["iter"]}, end of {entry["ended"]})', fontsize=8)
        fig.colorbar(im, ax=ax, label='softmax(α)')
        fig.tight_layout()
        path = osp.join(out, names[name])
        _save(fig, path, overwrite, [source])
        plt.close(fig)
        paths.append(path)
    return paths


def plot_trajectory(work_dir: str, out: str | None = None,
                    overwrite: bool = False) -> list[str]:
    """softmax(α) of every edge over the entries of ``alpha_history.json``; PNG paths."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    history = load_history(work_dir)
    source = osp.join(work_dir, 'alpha_history.json')
    names = output_names(history[-1]['alphas'], '_trajectory.png', source)
    out = out or osp.join(work_dir, 'alpha_plots')
    ensure_folder(out)
    iters = [h['iter'] for h in history]
    paths, drawn = [], []
    for name in history[-1]['alphas']:
        traj = np.stack([softmax(np.asarray(h['alphas'][name], dtype=np.float64))
                         for h in history])                     # (entries, edges, ops)
        if any(traj.shape == d.shape and np.array_equal(traj, d) for d in drawn):
            continue
        drawn.append(traj)
        ops = history[-1].get('candidates', {}).get(name, [str(i) for i in range(traj.shape[2])])
        edges = traj.shape[1]
        fig, axes = plt.subplots(1, edges, figsize=(2.4 * edges, 2.6), sharey=True)
        for e, ax in enumerate(np.atleast_1d(axes)):
            for k, op in enumerate(ops):
                ax.plot(iters, traj[:, e, k], marker='.', label=op)
            ax.set_title(edge_labels(edges)[e], fontsize=8)
            ax.set_xlabel('iteration', fontsize=7)
            ax.tick_params(labelsize=6)
        np.atleast_1d(axes)[0].set_ylabel('softmax(α)', fontsize=7)
        np.atleast_1d(axes)[-1].legend(fontsize=5, loc='upper left', bbox_to_anchor=(1, 1))
        fig.suptitle(name, fontsize=8)
        fig.tight_layout()
        path = osp.join(out, names[name])
        _save(fig, path, overwrite, [source])
        plt.close(fig)
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> None:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_dir')
    parser.add_argument('--index', type=int, default=-1, help='entry of alpha_history.json')
    parser.add_argument('--out', default=None)
    parser.add_argument('--overwrite', action='store_true', help='replace existing PNGs')
    args = parser.parse_args(argv)
    for path in (plot_alpha(args.work_dir, args.index, args.out, args.overwrite)
                 + plot_trajectory(args.work_dir, args.out, args.overwrite)):
        print(path)


if __name__ == '__main__':
    run_tool(main)
