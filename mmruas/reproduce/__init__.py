"""The papers' tables as experiments: one :class:`Protocol` record per table, the single place
that states each table's protocol (data and split, batch, learning rates, epochs, frozen
backbone, class set, metrics), the command sequence that runs it and the paper's figures.

docs/reproduce.md is generated from these records
(``python tools/analysis_tools/reproduce_table.py --write``), and
``tests/unit/reproduce/test_reproduce_protocols.py`` checks every resolved config against
its ``expect`` entries, so a config cannot drift from the protocol the paper states.
``ours`` lists the choices where a paper is silent.
"""
from .bgl import BGL_TABLES
from .protocol import Protocol
from .ruas_tpami import RUAS_TPAMI_TABLES

__all__ = ['Protocol', 'PROTOCOLS', 'protocol']

PROTOCOLS: list[Protocol] = [*RUAS_TPAMI_TABLES, *BGL_TABLES]


def protocol(table: str) -> Protocol:
    """The record of ``table`` (``'RUAS-TPAMI Table VI'``); KeyError names the known ones."""
    for p in PROTOCOLS:
        if p.table == table:
            return p
    raise KeyError(f'no protocol {table!r}; known: {", ".join(p.table for p in PROTOCOLS)}')
