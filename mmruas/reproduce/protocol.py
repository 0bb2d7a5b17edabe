"""A table of the papers as an experiment: the record type (:class:`Protocol`)."""
from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ['Protocol']


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
        split_sizes: ``{data set: (search/train, test)}`` as the paper states them, the
            defaults of ``tools/dataset_converters/make_split.py``.
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
    split_sizes: dict[str, tuple[int, int]] = field(default_factory=dict)
    configs: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, 'configs', tuple(dict.fromkeys(
            word for _, command in self.steps for word in command.split()
            if word.startswith('configs/') and word.endswith('.py'))))
