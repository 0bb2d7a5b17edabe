"""The per-class table the detection and segmentation metrics print (RUAS-TPAMI Tables X
and XI have one column per class and a final mean column)."""
from __future__ import annotations

from collections.abc import Sequence

from terminaltables import AsciiTable

__all__ = ['format_ap_table']


def format_ap_table(classes: Sequence[str], rows: Sequence[tuple[str, Sequence, object]],
                    last: str = 'mAP', digits: int = 3) -> str:
    """An ASCII table with a column per class and a final column ``last`` (``mAP``).

    ``rows`` holds ``(row name, per-class values, last column)``; a ``None`` value prints
    ``-`` and floats print with ``digits`` decimals.
    """
    def cell(v: object) -> str:
        if v is None:
            return '-'
        return f'{v:.{digits}f}' if isinstance(v, float) else str(v)

    data = [[''] + list(classes) + [last]]
    data += [[name] + [cell(v) for v in values] + [cell(last)] for name, values, last in rows]
    return AsciiTable(data).table
