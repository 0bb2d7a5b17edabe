"""The papers' tables as experiments: one record per table, the single place that states
each table's protocol (data and split, batch, learning rates, epochs, frozen backbone, class
set, metrics), the configs that run it in order, and the paper's figures.

docs/reproduce.md is written from these records, and ``tests/test_reproduce_protocols.py``
checks every resolved config against its ``expect`` entries, so a config cannot drift from
the protocol the papers state. Values marked in ``ours`` are our choices where the paper
is silent. Print the table with ``python tools/analysis_tools/reproduce_table.py``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ['Protocol', 'PROTOCOLS', 'protocol']


@dataclass(frozen=True)
class Protocol:
    """One table of the papers.

    Args:
        table: ``'RUAS-TPAMI Table V'`` or ``'BGL Table 2'``.
        measures: what the table compares.
        data: data set, split and where the split comes from.
        source: the paper's sections stating the protocol.
        steps: ``(step, shell command)`` in the order they run (split, search, stage 1,
            training, test), run from the repository root; ``configs`` collects the config
            paths they name.
        expect: config path → ``{dotted key of the resolved config: the paper's value}``.
        metrics: what the test step reports.
        paper: the paper's figures, ``{row: value or {metric: value}}``.
        gpu_hours: an estimate of the GPU time of the whole sequence (ours, not measured).
        ours: the choices where the paper is silent.
        tested: what the suite runs of it (one iteration and the evaluator on a fixture).
    """

    table: str
    measures: str
    data: str
    source: str
    steps: tuple[tuple[str, str], ...]
    expect: dict[str, dict[str, object]]
    metrics: tuple[str, ...]
    paper: dict[str, object]
    gpu_hours: str
    ours: tuple[str, ...] = ()
    tested: str = 'every config: resolves, builds, one iteration and its evaluator on a fixture'
    configs: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, 'configs', tuple(dict.fromkeys(
            word for _, command in self.steps for word in command.split()
            if word.startswith('configs/') and word.endswith('.py'))))


PROTOCOLS: list[Protocol] = []


def protocol(table: str) -> Protocol:
    """The record of ``table`` (``'RUAS-TPAMI Table VI'``); KeyError names the known ones."""
    for p in PROTOCOLS:
        if p.table == table:
            return p
    raise KeyError(f'no protocol {table!r}; known: {", ".join(p.table for p in PROTOCOLS)}')
