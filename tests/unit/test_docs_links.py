"""Links into docs/ resolve: every ``docs/<page>.md#<anchor>`` cited in the code and configs,
and every relative link of README.md and docs/*.md, names an existing page and heading."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers import REPO as ROOT

DOCS = ROOT / 'docs'
CODE_DIRS = ('mmruas', 'tools', 'configs', 'tests')
# ``docs/method.md#noise-removal-eq-3`` in a docstring or comment
CODE_REF = re.compile(r'docs/([A-Za-z0-9_./-]+?\.md)(?:#([A-Za-z0-9_-]+))?')
MD_LINK = re.compile(r'\]\(([^)\s]+)\)')
FENCE = re.compile(r'^\s*(```|~~~)')


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r'[`*_]', '', heading.strip().lower())
    text = ''.join(ch for ch in text if ch.isalnum() or ch in ' -')
    return text.replace(' ', '-')


def prose_lines(path: Path) -> list[str]:
    """The lines of a markdown file outside fenced code blocks."""
    lines, fenced = [], False
    for line in path.read_text(encoding='utf-8').splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            lines.append(line)
    return lines


def anchors(path: Path) -> set[str]:
    """Anchors of a markdown file's headings, duplicates numbered as GitHub does."""
    seen: dict[str, int] = {}
    found = set()
    for line in prose_lines(path):
        m = re.match(r'#{1,6}\s+(.*)', line)
        if not m:
            continue
        base = slug(m.group(1))
        n = seen.get(base, 0)
        seen[base] = n + 1
        found.add(base if n == 0 else f'{base}-{n}')
    return found


def test_slug_matches_github() -> None:
    assert slug('Noise removal (eq. 3)') == 'noise-removal-eq-3'
    assert slug('Illumination estimation (eq. 1-2)') == 'illumination-estimation-eq-1-2'
    assert slug("Authors' training losses") == 'authors-training-losses'
    assert slug('Cost of the scene module in DeepLab-v3+') == \
        'cost-of-the-scene-module-in-deeplab-v3'
    assert slug('`make demo-enhance`') == 'make-demo-enhance'


def code_refs() -> list[tuple[str, str, str | None]]:
    refs = []
    for d in CODE_DIRS:
        for path in sorted((ROOT / d).rglob('*')):
            if path.suffix not in ('.py', '.md', '.sh') or '__pycache__' in path.parts:
                continue
            for m in CODE_REF.finditer(path.read_text(encoding='utf-8')):
                refs.append((str(path.relative_to(ROOT)), m.group(1), m.group(2)))
    return refs


def test_code_references_resolve() -> None:
    bad = []
    for where, page, anchor in code_refs():
        target = DOCS / page
        if not target.is_file():
            bad.append(f'{where}: docs/{page} does not exist')
        elif anchor is not None and anchor not in anchors(target):
            bad.append(f'{where}: docs/{page}#{anchor} names no heading')
    assert not bad, '\n'.join(bad)


def test_no_citation_of_the_team_note() -> None:
    cited = [f'{where}: docs/{page}' for where, page, _ in code_refs()]
    note = 'METHOD' + '.md'  # the team's note, not shipped; spelt apart so this file passes
    team = [str(p.relative_to(ROOT)) for d in CODE_DIRS for p in (ROOT / d).rglob('*')
            if p.suffix in ('.py', '.md') and note in p.read_text(encoding='utf-8')]
    assert not team, f'files citing {note}, which the repository does not ship: {team}'
    assert cited, 'the code cites no docs page at all'


@pytest.mark.parametrize('page', ['README.md', *sorted(
    str(p.relative_to(ROOT)) for p in DOCS.glob('*.md'))])
def test_markdown_links_resolve(page: str) -> None:
    path = ROOT / page
    bad = []
    for line in prose_lines(path):
        for target in MD_LINK.findall(line):
            if re.match(r'[a-z]+://|mailto:', target):
                continue
            file_part, _, anchor = target.partition('#')
            dest = path if not file_part else (path.parent / file_part).resolve()
            if not dest.exists():
                bad.append(f'{target}: no such file')
            elif anchor and dest.suffix == '.md' and anchor not in anchors(dest):
                bad.append(f'{target}: no such heading')
    assert not bad, f'{page}: ' + '; '.join(bad)
