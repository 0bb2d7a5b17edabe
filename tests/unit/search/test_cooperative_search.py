"""Cooperative architecture search: optimiser groups, phase schedule, outputs
(docs/method.md#cooperative-search-alg-1)."""
import json
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmruas.registry import MODELS, OPTIM_WRAPPER_CONSTRUCTORS
from mmruas.search import SEARCH_GROUPS, split_indices
from mmruas.search_space import (
    DistillationCell,
    Genotype,
    build_op,
    genotype_for_config,
    load_genotypes,
)
from tests.helpers import REPO_DIR as REPO
from tests.helpers.search import LOL5_SEARCH_CFG as SEARCH_CFG  # noqa: F401  (_scope: an autouse fixture)
from tests.helpers.search import _batch, _images, _model, _run, _sgd_wrappers
from tests.helpers.tools import load_tool


def test_constructor_splits_params_into_four_disjoint_complete_groups():
    model = _model()
    cfg = Config.fromfile(SEARCH_CFG).optim_wrapper.to_dict()
    cfg.pop('constructor')
    wrappers = OPTIM_WRAPPER_CONSTRUCTORS.build(dict(
        type='SearchOptimWrapperConstructor', optim_wrapper_cfg=cfg))(model)
    assert set(wrappers.keys()) == set(SEARCH_GROUPS)
    ids = {k: [id(p) for g in w.optimizer.param_groups for p in g['params']]
           for k, w in wrappers.items()}
    flat = [i for v in ids.values() for i in v]
    assert len(flat) == len(set(flat))                                  # disjoint
    assert set(flat) == {id(p) for p in model.parameters() if p.requires_grad}   # complete
    names = {id(p): n for n, p in model.named_parameters()}
    for key, pids in ids.items():
        arch = [names[i].endswith('arch_alpha') for i in pids]
        assert all(arch) if key.endswith('alpha') else not any(arch), key
        side = 'scene.iem.' if key.startswith('scene') else 'scene.nrm.'
        assert all(names[i].startswith(side) for i in pids), key
    # tied α: one α per edge for all IEM cells and for all NRM cells
    assert len(ids['scene_alpha']) == 7 and len(ids['task_alpha']) == 7
    # the authors' search recipe: weights SGD 0.005 / 0.9, α Adam 3e-4 (0.5, 0.999) wd 1e-3
    for key in ('scene_w', 'task_w'):
        w = wrappers[key]
        group = w.optimizer.param_groups[0]
        assert isinstance(w.optimizer, torch.optim.SGD)
        assert (group['lr'], group['momentum'], group['weight_decay']) == (0.005, 0.9, 0.0)
        assert w.clip_grad_kwargs == dict(max_norm=5.0, norm_type=2)
    for key in ('scene_alpha', 'task_alpha'):
        group = wrappers[key].optimizer.param_groups[0]
        assert isinstance(wrappers[key].optimizer, torch.optim.Adam)
        assert (group['lr'], group['betas'], group['weight_decay']) == (3e-4, (0.5, 0.999),
                                                                         1e-3)


def test_split_halves_disjoint_and_deterministic():
    for n in (2, 4, 5, 11):
        tr, va = split_indices(n, seed=3)
        assert set(tr).isdisjoint(va) and sorted(tr + va) == list(range(n))
        assert len(tr) - len(va) in (0, 1)
        assert (tr, va) == split_indices(n, seed=3)
    assert split_indices(40, 0) != split_indices(40, 1)
    with pytest.raises(ValueError):
        split_indices(1, 0)


def test_genotype_for_config_majority():
    a = Genotype(('conv_1x1',) * 7)
    b = Genotype(('conv_3x3',) * 7)
    assert genotype_for_config([a, a]) == (a, True)
    assert genotype_for_config([b, a, a]) == (a, False)
    assert genotype_for_config([b, a]) == (b, False)   # tie: the earliest cell


def test_cooperative_run_phases_updates_and_outputs(tmp_path):
    runner, rec = _run(tmp_path, 'cooperative')
    assert rec.phases == ['scene', 'scene', 'task', 'scene', 'scene', 'task']
    for phase, changed in zip(rec.phases, rec.changed):
        # only the phase's own α and ω move
        assert changed == {f'{phase}_alpha', f'{phase}_w'}, (phase, changed)
    wd = runner.work_dir
    split = json.load(open(osp.join(wd, 'search_split.json')))
    assert set(split['train']).isdisjoint(split['val']) and len(split['val']) == 2
    genos = load_genotypes(osp.join(wd, 'genotypes.json'))
    assert len(genos) == 6   # 3 IEM stage cells + 3 NRM cells, tied within each module
    iem = {g for n, g in genos.items() if n.startswith('scene.iem.')}
    nrm = {g for n, g in genos.items() if n.startswith('scene.nrm.')}
    assert len(iem) == 1 and len(nrm) == 1
    history = json.load(open(osp.join(wd, 'alpha_history.json')))
    assert [h['iter'] for h in history] == [2, 3, 5, 6]
    # the retrain config inherits the authors' training recipe (RUAS: IEM + NRM)
    cfg = Config.fromfile(osp.join(wd, 'retrain_config.py'))
    assert cfg.model.scene.variant == 'RUAS'
    assert cfg.model.scene.iem.genotype == next(iter(iem)).to_list()
    assert cfg.model.scene.nrm.genotype == next(iter(nrm)).to_list()
    model = MODELS.build(cfg.model)
    for prefix, geno in (('iem', next(iter(iem))), ('nrm', next(iter(nrm)))):
        cells = [m for m in getattr(model.scene, prefix).modules()
                 if isinstance(m, DistillationCell)]
        assert len(cells) == 3
        for cell in cells:
            assert not cell.searchable
            expected = [type(build_op(op, cell.channels, cell.channels)) for op in geno]
            assert [type(e) for e in cell.edges()] == expected


def test_independent_and_global_sequences(tmp_path):
    # independent: the scene search alone (no task term), then the task on the fixed scene
    _, rec = _run(tmp_path, 'independent', max_iters=4, order=1)
    assert rec.phases == ['scene_alone', 'scene_alone', 'task', 'task']
    assert [c for c in rec.changed] == [{'scene_alpha', 'scene_w'}] * 2 + [
        {'task_alpha', 'task_w'}] * 2
    _, rec = _run(tmp_path, 'global', max_iters=2, order=2)
    assert rec.phases == ['joint', 'joint']
    assert all(c == set(SEARCH_GROUPS) for c in rec.changed)


def test_alpha_tol_switches_early_and_warmup(tmp_path):
    # a huge tolerance ends every phase after one iteration
    _, rec = _run(tmp_path, 'cooperative', max_iters=5, phase_iters=(3, 3), order=1,
                  alpha_tol=1e9, warmup_iters=1)
    assert rec.phases == ['warmup', 'scene', 'task', 'scene', 'task']
    assert rec.changed[0] == {'scene_w', 'task_w'}


@pytest.mark.parametrize('beta', [0.0, 2.0])
def test_scene_phase_step_is_scene_val_grad_plus_beta_task_val_grad(beta):
    """First order, SGD lr 1 on α: Δαs = −(∇αs Ls_val + β∇αs Lt_val through the scene)."""
    model = _model()
    wrappers = _sgd_wrappers(model)
    train, val = _batch(0), _batch(1)
    xv = model.data_preprocessor(val, training=True)['inputs']
    a_s = model.search_groups()['scene_alpha']
    loss = model.search_scene_loss(xv) + beta * model.search_task_loss_through_scene(xv)
    expected = [a.detach() - g for a, g in zip(a_s, torch.autograd.grad(loss, a_s))]
    t_alpha = [a.detach().clone() for a in model.search_groups()['task_alpha']]
    model.set_search_step('scene', val, beta=beta, order=1)
    log = model.train_step(train, wrappers)
    assert set(log) == {'loss', 'loss_iem'}
    for a, e in zip(a_s, expected):
        torch.testing.assert_close(a.detach(), e)
    for a, e in zip(model.search_groups()['task_alpha'], t_alpha):
        assert torch.equal(a.detach(), e)


def test_resume_is_bit_exact(tmp_path):
    full, _ = _run(tmp_path / 'a', 'cooperative', max_iters=4, phase_iters=(2, 1), order=1)
    ref = {k: v.clone() for k, v in full.model.state_dict().items()}
    # 2 iterations with a checkpoint, then resume to 4
    part, _ = _run(tmp_path / 'b', 'cooperative', max_iters=4, phase_iters=(2, 1), order=1,
                   stop_at=2)
    ckpt = osp.join(part.work_dir, 'iter_2.pth')
    assert torch.load(ckpt, weights_only=False)['meta']['search_state']['phase'] == 'scene'
    resumed, rec = _run(tmp_path / 'b', 'cooperative', max_iters=4, phase_iters=(2, 1),
                        order=1, resume=ckpt)
    assert rec.phases == ['task', 'scene']
    for k, v in resumed.model.state_dict().items():
        assert torch.equal(v, ref[k]), k


def test_plot_alpha_writes_one_png_per_distinct_cell(tmp_path):
    mod = load_tool('analysis_tools', 'plot_alpha.py')
    a = np.random.default_rng(0).normal(size=(7, 7)).tolist()
    b = np.random.default_rng(1).normal(size=(7, 7)).tolist()
    ops = ['conv_1x1', 'conv_3x3', 'resconv_1x1', 'resconv_3x3', 'dilconv_3x3',
           'resdilconv_3x3', 'skip_connect']
    entry = dict(iter=3, ended='scene', alphas={'x.0': a, 'x.1': a, 'y.0': b},
                 candidates={'x.0': ops, 'x.1': ops, 'y.0': ops})
    with open(tmp_path / 'alpha_history.json', 'w') as f:
        json.dump([entry], f)
    paths = mod.plot_alpha(str(tmp_path))
    assert [osp.basename(p) for p in paths] == ['x_0_iter3.png', 'y_0_iter3.png']
    assert all(cv2.imread(p) is not None for p in paths)
    later = dict(entry, iter=6, alphas={k: (np.asarray(v) + 1.0).tolist()
                                        for k, v in entry['alphas'].items()})
    later['alphas']['y.0'][0][0] += 3.0
    with open(tmp_path / 'alpha_history.json', 'w') as f:
        json.dump([entry, later], f)
    paths = mod.plot_trajectory(str(tmp_path))
    assert [osp.basename(p) for p in paths] == ['x_0_trajectory.png', 'y_0_trajectory.png']
    assert all(cv2.imread(p).shape[1] > 7 * 100 for p in paths)   # one panel per edge


@pytest.mark.parametrize('suffix,strategy', [('', 'cooperative'), ('_independent', 'independent'),
                                             ('_global', 'global')])
def test_search_configs_differ_only_in_strategy(suffix, strategy):
    """Table 4's three LOL searches: same model, losses, data and optimisers; equal budgets."""
    cfg = Config.fromfile(SEARCH_CFG.replace('.py', f'{suffix}.py'))
    base = Config.fromfile(SEARCH_CFG)
    assert cfg.custom_hooks[0].strategy == strategy
    hook, base_hook = dict(cfg.custom_hooks[0]), dict(base.custom_hooks[0])
    # what each strategy itself requires: the cooperative cadence (the authors' IEM every
    # iteration, NRM every 10th), the independent strategy's length of its scene search
    assert base_hook.pop('cadence') == dict(scene=1, task=10)
    cadence = hook.pop('cadence', None)
    assert cadence == (dict(scene=1, task=10) if strategy == 'cooperative' else None)
    scene_iters = hook.pop('scene_iters', None)
    hook.pop('strategy'), base_hook.pop('strategy')
    assert hook == base_hook
    assert cfg.model == base.model and cfg.optim_wrapper == base.optim_wrapper
    assert cfg.train_dataloader == base.train_dataloader
    assert osp.normpath(base.retrain_base) == osp.join(
        REPO, 'configs', 'ruas_enhance', 'lol5', 'ruas_lol5_authors_recipe.py')
    assert hook['retrain_base'] == base.retrain_base
    n = base.train_cfg.max_iters
    coop_steps = dict(scene=n, task=len(range(0, n, 10)))    # α+ω steps of each side
    if strategy == 'independent':
        # the same steps of each side, one after the other, each with its own cosine
        assert scene_iters == coop_steps['scene']
        assert cfg.train_cfg.max_iters == coop_steps['scene'] + coop_steps['task']
        for key, begin, length in (('scene_w', 0, coop_steps['scene']),
                                   ('task_w', coop_steps['scene'], coop_steps['task'])):
            (sched,) = cfg.param_scheduler[key]
            assert (sched.begin, sched.end, sched.T_max) == (begin, begin + length, length)
            assert sched.eta_min == base.param_scheduler[key][0].eta_min
    else:
        assert scene_iters is None
        assert cfg.train_cfg.max_iters == n and cfg.param_scheduler == base.param_scheduler


def test_explicit_val_dataloader_keeps_the_training_set(tmp_path):
    val_dir = tmp_path / 'val'
    val_dir.mkdir()
    _images(str(val_dir), n=2)
    val = dict(batch_size=1, num_workers=0, sampler=dict(type='InfiniteSampler', shuffle=False),
               dataset=dict(type='UnpairedFolderDataset', data_root=str(val_dir),
                            pipeline=[dict(type='LoadLowLightImage'),
                                      dict(type='PackEnhanceInputs')]))
    runner, rec = _run(tmp_path, 'cooperative', max_iters=2, phase_iters=(1, 1), order=1,
                       val_dataloader=val)
    assert rec.phases == ['scene', 'task']
    assert len(runner.train_dataloader.dataset) == 4
    assert not osp.exists(osp.join(runner.work_dir, 'search_split.json'))






def test_plain_ddp_wrapper_is_refused():
    """mmengine's MMDistributedDataParallel would silently run a plain step."""
    from mmengine.model.wrappers import MMDistributedDataParallel

    from mmruas.search import CooperativeSearchHook

    class _Runner:
        model = object.__new__(MMDistributedDataParallel)
    with pytest.raises(TypeError, match='SearchDistributedDataParallel'):
        CooperativeSearchHook().check_wrapper(_Runner())

