"""The core/adapter seam is the folder layout (docs/design.md): only ``mmruas/det`` imports
mmdet, only ``mmruas/seg`` imports mmseg, the core imports neither (nor the adapters), and
nothing in the repository uses a 0.1 name that :mod:`mmruas.deprecated` keeps alive."""
from __future__ import annotations

import ast
from pathlib import Path

from mmruas.deprecated import MOVED_MODULES, MOVED_NAMES
from tests.helpers import REPO

PACKAGE = REPO / 'mmruas'


def imports_of(path: Path) -> list[tuple[int, str, list[str]]]:
    """``(line, absolute module, imported names)`` of every import statement in ``path``."""
    parts = path.relative_to(REPO).with_suffix('').parts
    package = parts[:-1]  # the package a relative import starts from (also for __init__)
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[:len(package) - node.level + 1])
                module = '.'.join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ''
            found.append((node.lineno, module, [alias.name for alias in node.names]))
    return found


def owner(path: Path) -> str:
    """``'det'``, ``'seg'`` or ``'core'``: which side of the seam a package file is on."""
    sub = path.relative_to(PACKAGE).parts[0]
    return sub if sub in ('det', 'seg') else 'core'


#: the side -> the top-level libraries (and mmruas adapters) it must not import
FORBIDDEN = {
    'core': ('mmdet', 'mmseg', 'mmpretrain', 'mmruas.det', 'mmruas.seg'),
    'det': ('mmseg', 'mmruas.seg'),
    'seg': ('mmdet', 'mmruas.det'),
}


def hits(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + '.') for p in prefixes)


def test_resolver_sees_relative_imports() -> None:
    """The check itself: relative imports resolve to the module they name."""
    found = imports_of(PACKAGE / 'det' / 'models' / 'heads' / 'search_ssd_head.py')
    modules = {m for _, m, _ in found}
    assert 'mmruas.search_space.operations' in modules
    assert 'mmruas.det.models.heads.softmax_ssd_head' in modules
    assert 'mmdet.registry' in modules
    init = {m for _, m, _ in imports_of(PACKAGE / 'det' / '__init__.py')}
    assert 'mmruas.det.datasets' in init and 'mmruas.bgl.bgl_model' in init


def test_only_the_adapters_import_mmdet_or_mmseg() -> None:
    bad = []
    for path in sorted(PACKAGE.rglob('*.py')):
        side = owner(path)
        for line, module, _ in imports_of(path):
            if hits(module, FORBIDDEN[side]):
                bad.append(f'{path.relative_to(REPO)}:{line} ({side}) imports {module}')
    assert bad == []
    # and the adapters do hold every user of the libraries
    users = {owner(p) for p in PACKAGE.rglob('*.py')
             if any(hits(m, ('mmdet', 'mmseg')) for _, m, _ in imports_of(p))}
    assert users == {'det', 'seg'}


def test_no_old_name_is_used_in_the_repository() -> None:
    """Old paths are for users' code only (they warn); the package, tools, tests and configs
    use the new ones."""
    bad = []
    files = [p for top in ('mmruas', 'tools', 'tests', 'configs')
             for p in (REPO / top).rglob('*.py')
             if p.name != 'deprecated.py' and p.name != Path(__file__).name]
    for path in files:
        for line, module, names in imports_of(path):
            if module in MOVED_MODULES:
                bad.append(f'{path.relative_to(REPO)}:{line} imports {module}')
            old = set(MOVED_NAMES.get(module, ())) & set(names)
            if old:
                bad.append(f'{path.relative_to(REPO)}:{line} imports {sorted(old)} from {module}')
    assert bad == []


def test_old_paths_give_the_new_objects_with_a_warning() -> None:
    import importlib
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        old = importlib.import_module('mmruas.models.heads.search_ssd_head')
        from mmruas.evaluation import ExDarkVOCMetric
    from mmruas.det.evaluation import ExDarkVOCMetric as new_metric
    from mmruas.det.models.heads import search_ssd_head

    assert old is search_ssd_head and ExDarkVOCMetric is new_metric
    messages = {str(w.message) for w in caught if w.category is DeprecationWarning}
    assert ('mmruas.models.heads.search_ssd_head moved to '
            'mmruas.det.models.heads.search_ssd_head; the old name goes in mmruas 0.3'
            in messages)
    assert any(m.startswith('mmruas.evaluation.ExDarkVOCMetric moved to') for m in messages)
