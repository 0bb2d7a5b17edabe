import json

import pytest
import torch

from mmruas.search_space import (
    ABBREVIATIONS,
    OPS,
    RELEASED_GENOTYPES,
    SCENE_OPS,
    TASK_OPS,
    DistillationCell,
    Genotype,
    MixedOp,
    alpha_entropy,
    build_op,
    derive_genotypes,
    is_arch_param,
    load_genotypes,
    save_genotypes,
)


def test_table1_abbreviations_cover_both_spaces():
    assert set(ABBREVIATIONS.values()) == set(SCENE_OPS) | set(TASK_OPS)
    assert len(SCENE_OPS) == 7 and len(TASK_OPS) == 10
    assert not any(op.startswith(('res', 'skip')) for op in TASK_OPS)


@pytest.mark.parametrize('name', sorted(OPS))
def test_ops_keep_size_and_follow_definition(name):
    torch.manual_seed(0)
    x = torch.randn(2, 4, 9, 11)
    op = build_op(name, 4, 4)
    y = op(x)
    assert y.shape == x.shape
    if name == 'skip_connect':
        assert torch.equal(y, x)
        return
    conv = op.op
    expected = torch.nn.functional.conv2d(x, conv.weight, conv.bias, padding=conv.padding,
                                          dilation=conv.dilation)
    if name.startswith('res'):
        expected = expected + x
    torch.testing.assert_close(y, expected)
    k = int(name.split('_')[1][0])
    dil = {'dilconv_3x3_d6': 6, 'dilconv_3x3_d12': 12, 'dilconv_3x3_d18': 18}.get(
        name, 2 if 'dil' in name else 1)
    assert conv.kernel_size == (k, k) and conv.dilation == (dil, dil)


def test_task_ops_change_channels_and_stride():
    x = torch.randn(1, 8, 16, 16)
    for name in TASK_OPS:
        assert build_op(name, 8, 5, stride=2)(x).shape == (1, 5, 8, 8)
    with pytest.raises(ValueError, match='residual'):
        build_op('resconv_3x3', 8, 5)
    with pytest.raises(KeyError, match='unknown operation'):
        build_op('conv_9x9', 3, 3)
    assert type(build_op('3-2-RDC', 3, 3)) is type(build_op('resdilconv_3x3', 3, 3))


def test_mixed_op_is_softmax_weighted_sum_and_derives_argmax():
    torch.manual_seed(0)
    m = MixedOp(SCENE_OPS, 3, 3)
    with torch.no_grad():
        m.arch_alpha.copy_(torch.tensor([0.1, 2.0, -1.0, 0.3, 0.0, 0.5, -0.2]))
    x = torch.randn(1, 3, 8, 8)
    w = torch.softmax(m.arch_alpha, 0)
    expected = sum(wi * op(x) for wi, op in zip(w, m.ops))
    torch.testing.assert_close(m(x), expected)
    assert m.derive() == 'conv_3x3'
    # α receives gradients
    m(x).sum().backward()
    assert m.arch_alpha.grad.abs().sum() > 0
    assert is_arch_param('a.b.arch_alpha') and not is_arch_param('a.b.weight')
    assert alpha_entropy(torch.zeros(7)).item() == pytest.approx(torch.log(torch.tensor(7.)))


def test_cell_matches_distillation_equations():
    torch.manual_seed(0)
    cell = DistillationCell(3, RELEASED_GENOTYPES['IEM_LOL'])
    x = torch.randn(1, 3, 10, 12)
    act = torch.nn.functional.leaky_relu
    o = [cell.c1_d, cell.c1_r, cell.c2_d, cell.c2_r, cell.c3_d, cell.c3_r, cell.c4]
    d1 = act(o[0](x), 0.05)
    r1 = act(o[1](x) + x, 0.05)
    d2 = act(o[2](r1), 0.05)
    r2 = act(o[3](r1) + r1, 0.05)
    d3 = act(o[4](r2), 0.05)
    r3 = act(o[5](r2) + r2, 0.05)
    r4 = act(o[6](r3), 0.05)
    expected = cell.c5(torch.cat([d1, d2, d3, r4], 1))
    torch.testing.assert_close(cell(x), expected)
    # released key layout: ops with parameters are '<edge>.op.*', fused conv 'c5'
    keys = set(cell.state_dict())
    assert 'c1_r.op.weight' in keys and 'c5.weight' in keys and not any('c1_d' in k for k in keys)


def test_searchable_cell_derives_genotype_and_fixed_cell_rejects_bad_length():
    torch.manual_seed(0)
    cell = DistillationCell(3)
    target = ['conv_1x1', 'skip_connect', 'resconv_3x3', 'conv_3x3', 'dilconv_3x3',
              'resdilconv_3x3', 'resconv_1x1']
    with torch.no_grad():
        for edge, op in zip(cell.edges(), target):
            edge.arch_alpha[SCENE_OPS.index(op)] = 1.0
    assert cell.derive_genotype().to_list() == target
    assert cell.arch_alphas().shape == (7, 7)
    found = derive_genotypes(torch.nn.Sequential(cell, DistillationCell(3, target)))
    assert list(found) == ['0'] and found['0'].to_list() == target
    with pytest.raises(ValueError, match='7 operations'):
        DistillationCell(3, ['conv_1x1'] * 6)


def test_genotype_roundtrip_json_yaml_and_coerce(tmp_path):
    g = {'iem': RELEASED_GENOTYPES['IEM_LOL'], 'nrm': ['1-RC', '3-RC', '3-2-DC', '1-RC', '3-RC',
                                                        '3-C', '3-RC']}
    for ext in ('json', 'yaml'):
        path = str(tmp_path / f'g.{ext}')
        save_genotypes(g, path)
        loaded = load_genotypes(path)
        assert loaded['iem'] == RELEASED_GENOTYPES['IEM_LOL']
        assert loaded['nrm'] == RELEASED_GENOTYPES['NRM_LOL']
    assert json.loads((tmp_path / 'g.json').read_text())['nrm'][0] == 'resconv_1x1'
    nrm_ops = list(RELEASED_GENOTYPES['NRM_LOL'])
    assert Genotype.coerce('NRM_LOL') == Genotype.coerce({'ops': nrm_ops})
    with pytest.raises(KeyError, match='unknown genotype name'):
        Genotype.coerce('NOPE')
    (tmp_path / 'bad.json').write_text('{"iem": ["conv_1x1", "warp_9"]}')
    with pytest.raises(ValueError, match='bad.json.*iem.*warp_9'):
        load_genotypes(str(tmp_path / 'bad.json'))
