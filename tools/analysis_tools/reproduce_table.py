"""Write the reproduce page's tables from the papers' protocols (mmruas.reproduce).

    python tools/analysis_tools/reproduce_table.py              # print the generated part
    python tools/analysis_tools/reproduce_table.py --check      # exit 1 if the page is stale
    python tools/analysis_tools/reproduce_table.py --write      # rewrite it (atomically)

docs/reproduce.md keeps its hand-written introduction above the marker line; everything
below the marker is generated, so the page and the protocol records cannot disagree.
"""
from __future__ import annotations

import argparse
import os.path as osp
import sys

from mmruas.reproduce import PROTOCOLS, Protocol
from mmruas.utils.cli import ToolError, run_tool
from mmruas.utils.safe_io import write_text

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PAGE = osp.join(REPO, 'docs', 'reproduce.md')
MARKER = '<!-- generated below by tools/analysis_tools/reproduce_table.py: do not edit -->'


def anchor(table: str) -> str:
    """GitHub's heading anchor of ``table`` (lower case, spaces to dashes, no dots)."""
    return ''.join(c for c in table.lower().replace(' ', '-') if c.isalnum() or c == '-')


def _figures(paper: dict) -> str:
    parts = []
    for row, value in paper.items():
        if isinstance(value, dict):
            value = ', '.join(f'{k} {v}' for k, v in value.items())
        parts.append(f'{row}: {value}')
    return '; '.join(parts)


def _link(path: str) -> str:
    return f'[`{osp.basename(path)}`](../{path})'


def summary(protocols: list[Protocol]) -> str:
    rows = ['| table | measures | data and split | configs | paper | GPU time (estimate) |',
            '|---|---|---|---|---|---|']
    for p in protocols:
        configs = ', '.join(_link(c) for c in p.configs) or '—'
        rows.append(f'| [{p.table}](#{anchor(p.table)}) | {p.measures} | {p.data} | {configs} | '
                    f'{_figures(p.paper)} | {p.gpu_hours} |')
    return '\n'.join(rows)


def section(p: Protocol) -> str:
    lines = [f'### {p.table}', '', f'{p.measures}. Protocol: {p.source}.', '',
             f'- Data: {p.data}.', f'- Metrics: {", ".join(p.metrics)}.',
             *(['- Split sizes (search/train, test; the split tool\'s defaults): ' + ', '.join(
                 f'{k} {a:,} / {b:,}' for k, (a, b) in p.split_sizes.items()) + '.']
               if p.split_sizes else []),
             f'- Paper: {_figures(p.paper)}.']
    if p.ours:
        lines.append('- Our choices where the paper is silent: ' + '; '.join(p.ours) + '.')
    checked = sorted({f'`{k}` = `{v!r}`' for exp in p.expect.values() for k, v in exp.items()})
    if checked:
        lines.append('- Checked against the resolved configs '
                     '(tests/unit/reproduce/test_reproduce_protocols.py): '
                     + ', '.join(checked) + '.')
    lines += [f'- Run here: {p.tested}.', '', '```bash']
    for step, command in p.steps:
        lines.append(f'# {step}')
        lines.append(command)
    lines += ['```', '']
    return '\n'.join(lines)


def generated(protocols: list[Protocol] = PROTOCOLS) -> str:
    return '\n'.join([MARKER, '', '## Tables', '', summary(protocols), '',
                      '## Command sequences', ''] + [section(p) for p in protocols])


def page_with(text: str, page: str = PAGE) -> tuple[str, str]:
    """(current page, the page with its generated part replaced by ``text``)."""
    try:
        with open(page, encoding='utf-8') as f:
            current = f.read()
    except OSError as exc:
        raise ToolError(f'{page}: cannot read ({exc.strerror or exc})') from None
    if MARKER not in current:
        raise ToolError(f'{page}: marker line {MARKER!r} not found')
    return current, current[:current.index(MARKER)] + text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument('--check', action='store_true', help='exit 1 if the page is stale')
    mode.add_argument('--write', action='store_true', help='rewrite the generated part')
    args = parser.parse_args(argv)
    text = generated()
    if not (args.check or args.write):
        print(text)
        return 0
    current, new = page_with(text)
    if args.check:
        if current != new:
            print(f'{PAGE} is stale: run {osp.relpath(__file__, REPO)} --write', file=sys.stderr)
            return 1
        return 0
    if current != new:
        write_text(PAGE, new, overwrite=True)
        print(f'wrote {PAGE}')
    return 0


if __name__ == '__main__':
    run_tool(main)
