"""Every table of the papers has a protocol record (mmruas.reproduce), every config it names
exists and resolves to the values the paper states, and docs/reproduce.md is generated
from those records."""
from __future__ import annotations

import os.path as osp

import pytest
from mmengine.config import Config

from mmruas.reproduce import PROTOCOLS, protocol
from tests.helpers import REPO_DIR as REPO
from tests.helpers.tools import load_tool

ROMAN = ['II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII', 'IX', 'X', 'XI']
TABLES = [f'RUAS-TPAMI Table {r}' for r in ROMAN] + [f'BGL Table {i}' for i in range(1, 5)]


def _tool():
    return load_tool('analysis_tools', 'reproduce_table.py')


def lookup(cfg, dotted: str):
    """``cfg`` at a dotted path; integer parts index lists (``custom_hooks.0.beta``), ``*``
    maps the rest of the path over a list (``test_evaluator.*.type``)."""
    head, _, rest = dotted.partition('.')
    if head == '*':
        return [lookup(v, rest) if rest else v for v in cfg]
    value = cfg[int(head)] if isinstance(cfg, (list, tuple)) else cfg[head]
    return lookup(value, rest) if rest else value


def test_every_table_has_one_record():
    assert [p.table for p in PROTOCOLS] == TABLES
    with pytest.raises(KeyError, match='known: RUAS-TPAMI Table II'):
        protocol('RUAS-TPAMI Table I')


@pytest.mark.parametrize('table', TABLES)
def test_record_is_complete(table):
    p = protocol(table)
    assert p.measures and p.data and p.source and p.metrics and p.paper and p.gpu_hours
    assert p.steps, 'a command sequence'
    for c in p.configs:
        assert osp.isfile(osp.join(REPO, c)), c
    assert set(p.expect) <= set(p.configs), 'expect names only configs of the sequence'


CHECKS = [(p.table, c, k, v) for p in PROTOCOLS for c, exp in p.expect.items()
          for k, v in exp.items()]
_resolved: dict[str, Config] = {}


@pytest.mark.parametrize('table,config,key,value', CHECKS,
                         ids=[f'{c.split("/")[-1]}:{k}' for _, c, k, _ in CHECKS])
def test_resolved_config_has_the_papers_value(table, config, key, value):
    if config not in _resolved:
        _resolved[config] = Config.fromfile(osp.join(REPO, config), import_custom_modules=False)
    got = lookup(_resolved[config], key)
    if isinstance(value, float):
        assert got == pytest.approx(value, rel=1e-12), (table, config, key)
    else:
        assert (list(got) if isinstance(got, tuple) else got) == \
            (list(value) if isinstance(value, tuple) else value), (table, config, key)


def test_reproduce_page_is_generated_from_the_records():
    tool = _tool()
    current, new = tool.page_with(tool.generated())
    assert current == new, 'run python tools/analysis_tools/reproduce_table.py --write'
    for p in PROTOCOLS:
        assert f'### {p.table}' in current
        for c in p.configs:
            assert f'(../{c})' in current


def test_task_readmes_link_the_reproduce_page():
    for folder in ('ruas_enhance', 'ruas_ssd_exdark', 'ruas_ssd_darkface', 'ruas_dsfd_darkface',
                   'ruas_deeplabv3plus_acdc', 'bgl'):
        with open(osp.join(REPO, 'configs', folder, 'README.md'), encoding='utf-8') as f:
            assert 'docs/reproduce.md' in f.read(), folder


def test_split_tool_defaults_are_the_papers_sizes():
    tool = load_tool('dataset_converters', 'make_split.py')
    stated = {(name, sizes) for p in PROTOCOLS for name, sizes in p.split_sizes.items()}
    assert {name for name, _ in stated} == set(tool.DATASETS)
    for name, sizes in stated:
        assert tuple(tool.DATASETS[name][0]) == sizes, name
