"""The search strategies of RUAS-TPAMI Table IV (§4.2) and the hook's iteration cadence.

* independent: the scene search alone (α_s on Ls_val only, no task term; the task is not
  touched), then the task search on the scene fixed to its derived genotype and frozen;
* cooperative with ``cadence=dict(scene=m, task=n)``: a scene α+ω step every m-th, a task
  α+ω step every n-th iteration, after the scene step of the same iteration.
Each expected value is computed independently of the search code (plain autograd on a
copy of the model, a fixed-genotype RUAS built from the derived genotype).
"""
import copy
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook

from mmruas.registry import MODELS
from mmruas.search import CooperativeSearchHook, hypergradient
from mmruas.search.hypergradient import BilevelProblem
from mmruas.search_space import EDGE_NAMES, DistillationCell, MixedOp
from tests.helpers import REPO_DIR as REPO
from tests.helpers.search import _batch, _images, _model, _scope, _sgd_wrappers  # noqa: F401

SEARCH_CFG = osp.join(REPO, 'configs', 'ruas_enhance', 'search', 'ruas_search_lol5.py')
ALPHA_LR = 1.0     # SGD on α, no momentum/decay: Δα = −ALPHA_LR·g exactly


def _named(model, prefix):
    return {n: p.detach().clone() for n, p in model.named_parameters() if n.startswith(prefix)}


def _changed(before, after):
    return {n for n in before if not torch.equal(before[n], after[n])}


class _Probe(Hook):
    """Per iteration: the model's phase, a copy of the model before the step, the
    validation batch, and which parameters changed (by name, IEM α / IEM ω / NRM α / NRM ω)."""

    priority = 'LOWEST'   # after the search hook has set the phase and the validation batch

    def __init__(self):
        self.phases, self.changed, self.copies, self.vals = [], [], [], []

    @staticmethod
    def _snap(model):
        return {n: p.detach().clone() for n, p in model.named_parameters()}

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        model = runner.model
        self.phases.append('+'.join(model.search_step.phases))
        self.copies.append(copy.deepcopy(model))
        self.vals.append(model.search_step.val_batch)
        self._before = self._snap(model)

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        after = self._snap(runner.model)
        groups = set()
        for n in _changed(self._before, after):
            side = 'iem' if n.startswith('scene.iem.') else 'nrm'
            groups.add(f'{side}_alpha' if n.endswith('arch_alpha') else f'{side}_w')
        self.changed.append(groups)


def _run(tmp_path, max_iters, stop_at=None, resume=None, **hook):
    img_dir = tmp_path / 'low'
    img_dir.mkdir(parents=True, exist_ok=True)
    _images(str(img_dir))
    cfg = Config.fromfile(SEARCH_CFG)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.randomness = dict(seed=0)
    cfg.train_dataloader.dataset.data_root = str(img_dir)
    cfg.train_dataloader.dataset.pipeline = [dict(type='LoadLowLightImage'),
                                             dict(type='PackEnhanceInputs')]
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=stop_at or max_iters,
                         val_interval=max_iters + 1)
    cfg.param_scheduler = None
    # SGD everywhere: α with lr ALPHA_LR and nothing else, so a step is exactly −lr·g
    sgd_w = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1))
    sgd_a = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=ALPHA_LR))
    cfg.optim_wrapper = dict(constructor='SearchOptimWrapperConstructor', scene_w=sgd_w,
                             task_w=sgd_w, scene_alpha=sgd_a, task_alpha=sgd_a)
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', by_epoch=False,
                                        interval=stop_at or 1000, save_last=False)
    if resume:
        cfg.resume, cfg.load_from = True, resume
    hook.setdefault('order', 1)
    cfg.custom_hooks = [dict(type='CooperativeSearchHook', beta=2.0,
                             retrain_base=cfg.custom_hooks[0].retrain_base, **hook)]
    cfg.log_level = 'WARNING'
    from mmengine.runner import Runner
    runner = Runner.from_cfg(cfg)
    probe = _Probe()
    runner.register_hook(probe)
    runner.train()
    return runner, probe


def _inputs(model, batch):
    return model.data_preprocessor(batch, training=True)['inputs']


def _expected_alpha(alphas, loss):
    """α − ALPHA_LR·∇α loss (first order)."""
    return [a.detach() - ALPHA_LR * g for a, g in zip(alphas, torch.autograd.grad(loss, alphas))]


# ---------------------------------------------------------------------- independent
def test_independent_scene_half_is_scene_alone(tmp_path):
    """Scene half: Δα_s = −∇αs Ls_val (no β·∇αs Lt_val term although β = 2), Δω_s from
    Ls_tr, and the NRM (α_t, ω_t) never changes."""
    runner, probe = _run(tmp_path, max_iters=4, strategy='independent', scene_iters=2)
    assert probe.phases == ['scene_alone', 'scene_alone', 'task', 'task']
    assert probe.changed == [{'iem_alpha', 'iem_w'}] * 2 + [{'nrm_alpha', 'nrm_w'}] * 2
    for it in (0, 1):
        before, after = probe.copies[it], probe.copies[it + 1]
        a_s = before.search_groups()['scene_alpha']
        xv = _inputs(before, probe.vals[it])
        expected = _expected_alpha(a_s, before.search_scene_loss(xv))
        got = after.search_groups()['scene_alpha']
        for e, g in zip(expected, got):
            torch.testing.assert_close(g.detach(), e, rtol=1e-5, atol=1e-7)
        # the coupled scene phase (what 'independent' used to run) gives another step
        coupled = _expected_alpha(a_s, before.search_scene_loss(xv)
                                  + 2.0 * before.search_task_loss_through_scene(xv))
        assert max(float((c - e).abs().max()) for c, e in zip(coupled, expected)) > 1e-5


def test_independent_task_half_runs_on_the_fixed_derived_scene(tmp_path):
    """Task half: the scene is its derived genotype (arg-max op per edge) with the searched
    weights of those ops, frozen; the scene output equals that of a fixed-genotype RUAS
    built from the derived genotype; no scene parameter changes; Δα_t = −∇αt Lt_val."""
    runner, probe = _run(tmp_path, max_iters=4, strategy='independent', scene_iters=2)
    model = runner.model
    hook = next(h for h in runner.hooks if isinstance(h, CooperativeSearchHook))
    assert hook.state['scene_ended']
    # no scene parameter changed in the task half, and they are frozen
    scene_at_switch = _named(probe.copies[2], 'scene.iem.')
    assert _changed(scene_at_switch, _named(model, 'scene.iem.')) == set()
    assert not any(p.requires_grad for p in model.scene.iem.parameters())
    # the derived genotype is the arg-max of α at the switch
    geno = model.genotype_cfg()['scene']['iem']['genotype']
    alpha = probe.copies[2].iem_cells[0].arch_alphas().detach()
    cands = model.iem_cells[0].candidates
    assert geno == [cands[int(i)] for i in alpha.argmax(-1)]
    # an independent fixed-genotype IEM with the chosen ops' weights gives the same output
    fixed = MODELS.build(dict(type='RUAS', variant='RUAS', iem=dict(genotype=geno),
                              nrm=dict(genotype=None))).iem
    state = {}
    for name, value in model.scene.iem.state_dict().items():
        if 'arch_alpha' in name:
            continue
        parts = name.split('.')
        if 'ops' in parts:      # <edge>.ops.<i>.<rest>: keep the chosen op only
            k = parts.index('ops')
            if cands[int(parts[k + 1])] != geno[EDGES.index(parts[k - 1])]:
                continue
            name = '.'.join(parts[:k] + parts[k + 2:])
        state[name] = value
    fixed.load_state_dict(state, strict=True)
    y = torch.rand(2, 3, 12, 16)
    torch.testing.assert_close(model.scene.iem(y)[0][-1], fixed(y)[0][-1], rtol=0, atol=0)
    # (the mixture it replaced gives another output)
    mixture = copy.deepcopy(probe.copies[2])   # copied after the switch: undo the fix
    for m in mixture.modules():
        if isinstance(m, MixedOp):
            m.chosen = None
    mixed = mixture.scene.iem(y)[0][-1]
    assert float((mixed - fixed(y)[0][-1]).abs().max()) > 1e-4
    # α_t steps on Lt_val of the fixed scene's output, ω_t on Lt_tr
    for it in (2, 3):
        before, after = probe.copies[it], probe.copies[it + 1] if it < 3 else model
        a_t = before.search_groups()['task_alpha']
        with torch.no_grad():
            uv = before.search_task_inputs(_inputs(before, probe.vals[it]))
        expected = _expected_alpha(a_t, before.search_task_loss(uv))
        for e, g in zip(expected, after.search_groups()['task_alpha']):
            torch.testing.assert_close(g.detach(), e, rtol=1e-5, atol=1e-7)


EDGES = EDGE_NAMES


def test_independent_resume_keeps_the_scene_ended(tmp_path):
    full, _ = _run(tmp_path / 'a', max_iters=4, strategy='independent', scene_iters=2)
    ref = {k: v.clone() for k, v in full.model.state_dict().items()}
    part, _ = _run(tmp_path / 'b', max_iters=4, stop_at=3, strategy='independent',
                   scene_iters=2)
    ckpt = osp.join(part.work_dir, 'iter_3.pth')
    state = torch.load(ckpt, weights_only=False)['meta']['search_state']
    assert state['scene_ended'] and state['phase'] == 'task'
    resumed, probe = _run(tmp_path / 'b', max_iters=4, resume=ckpt, strategy='independent',
                          scene_iters=2)
    assert probe.phases == ['task'] and probe.changed == [{'nrm_alpha', 'nrm_w'}]
    chosen = [m.chosen for m in resumed.model.scene.iem.modules() if isinstance(m, MixedOp)]
    assert len(chosen) == 21 and None not in chosen
    for k, v in resumed.model.state_dict().items():
        assert torch.equal(v, ref[k]), k


def test_scene_alone_step_second_order_is_the_scene_pair_hypergradient():
    """Model level, second order: the 'scene_alone' α_s gradient is the hypergradient of the
    scene pair (Ls_tr, Ls_val) alone; the task parameters do not move."""
    model = _model()
    model.set_search_settings(beta=2.0, order=2)
    ref = copy.deepcopy(model)
    wrappers, ref_wrappers = _sgd_wrappers(model), _sgd_wrappers(ref)
    train, val = _batch(0), _batch(1)
    x, xv = _inputs(ref, train), _inputs(ref, val)
    g = ref.search_groups()
    problem = BilevelProblem(g['scene_alpha'], g['scene_w'], lambda: ref.search_scene_loss(x),
                             lambda: ref.search_scene_loss(xv))
    grads = hypergradient(problem, ref_wrappers['scene_w'], order=2, r=ref.r)
    expected = [a.detach() - g_ for a, g_ in zip(g['scene_alpha'], grads)]
    task = _named(model, 'scene.nrm.')
    model.set_search_step('scene_alone', val)
    log = model.train_step(train, wrappers)
    assert set(log) == {'loss', 'loss_iem'}
    for a, e in zip(model.search_groups()['scene_alpha'], expected):
        torch.testing.assert_close(a.detach(), e)
    assert _changed(task, _named(model, 'scene.nrm.')) == set()


def test_mixed_op_fix_uses_the_argmax_op_alone():
    torch.manual_seed(0)
    cell = DistillationCell(3)
    x = torch.rand(1, 3, 8, 8)
    edge = cell.c2_r
    with torch.no_grad():
        edge.arch_alpha.copy_(torch.arange(7.0) * 0.1)
        edge.arch_alpha[2] = 5.0
    edge.discretise()
    assert edge.chosen == 2 and edge.derive() == edge.candidates[2]
    torch.testing.assert_close(edge(x), edge.ops[2](x), rtol=0, atol=0)
    edge.discretise(4)
    torch.testing.assert_close(edge(x), edge.ops[4](x), rtol=0, atol=0)


# ---------------------------------------------------------------------- cadence
def test_cadence_steps_scene_every_iteration_and_task_every_nth(tmp_path):
    """cadence=dict(scene=1, task=3) after one warm-up iteration: iterations 1 and 4 take a
    scene then a task step, the others a scene step only; the task step of an iteration uses
    the scene as its scene step left it."""
    runner, probe = _run(tmp_path, max_iters=7, strategy='cooperative',
                         cadence=dict(scene=1, task=3), warmup_iters=1)
    both = 'scene+task'
    assert probe.phases == ['warmup', both, 'scene', 'scene', both, 'scene', 'scene']
    every = {'iem_alpha', 'iem_w', 'nrm_alpha', 'nrm_w'}
    assert probe.changed == [{'iem_w', 'nrm_w'}, every, {'iem_alpha', 'iem_w'},
                             {'iem_alpha', 'iem_w'}, every, {'iem_alpha', 'iem_w'},
                             {'iem_alpha', 'iem_w'}]
    for it in (1, 4):
        before, after = probe.copies[it], probe.copies[it + 1]
        xv = _inputs(before, probe.vals[it])
        # scene step: the coupled Alg. 1 gradient (β = 2)
        a_s = before.search_groups()['scene_alpha']
        exp_s = _expected_alpha(a_s, before.search_scene_loss(xv)
                                + 2.0 * before.search_task_loss_through_scene(xv))
        for e, g in zip(exp_s, after.search_groups()['scene_alpha']):
            torch.testing.assert_close(g.detach(), e, rtol=1e-5, atol=1e-7)
        # task step: on uᴷ of the IEM *after* this iteration's scene step
        stepped = copy.deepcopy(before)
        stepped.scene.iem.load_state_dict(after.scene.iem.state_dict())
        a_t = stepped.search_groups()['task_alpha']
        with torch.no_grad():
            uv = stepped.search_task_inputs(xv)
        exp_t = _expected_alpha(a_t, stepped.search_task_loss(uv))
        got = after.search_groups()['task_alpha']
        for e, g in zip(exp_t, got):
            torch.testing.assert_close(g.detach(), e, rtol=1e-5, atol=1e-7)
        # (with the IEM before its step the task gradient differs)
        with torch.no_grad():
            uv_old = before.search_task_inputs(xv)
        a_t0 = before.search_groups()['task_alpha']
        exp_old = _expected_alpha(a_t0, before.search_task_loss(uv_old))
        assert max(float((o - e).abs().max()) for o, e in zip(exp_old, exp_t)) > 1e-6
    # one report at the end only (no phase switches within the cadence)
    hook = next(h for h in runner.hooks if isinstance(h, CooperativeSearchHook))
    assert hook.state['switches'] == 1   # warm-up -> cooperative


def test_cadence_resume_is_bit_exact(tmp_path):
    kw = dict(strategy='cooperative', cadence=dict(scene=1, task=2))
    full, _ = _run(tmp_path / 'a', max_iters=4, **kw)
    ref = {k: v.clone() for k, v in full.model.state_dict().items()}
    part, _ = _run(tmp_path / 'b', max_iters=4, stop_at=3, **kw)
    resumed, probe = _run(tmp_path / 'b', max_iters=4,
                          resume=osp.join(part.work_dir, 'iter_3.pth'), **kw)
    assert probe.phases == ['scene']
    for k, v in resumed.model.state_dict().items():
        assert torch.equal(v, ref[k]), k


@pytest.mark.parametrize('kwargs,match', [
    (dict(strategy='global', cadence=dict(scene=1, task=10)), 'cooperative'),
    (dict(cadence=dict(scene=2, task=3)), 'one of them 1'),
    (dict(cadence=dict(scene=1)), 'dict'),
    (dict(cadence=dict(scene=1, task=10), alpha_tol=1e-3), 'alpha_tol'),
    (dict(strategy='cooperative', scene_iters=5), 'independent'),
    (dict(strategy='independent', scene_iters=-1), '>= 0'),
])
def test_hook_argument_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        CooperativeSearchHook(**kwargs)


def test_detection_search_model_independent_steps():
    """The detection search model (scene in its preprocessor): 'scene_alone' steps α_s by
    −∇αs ℓs_val alone (β = 2 ignored) and leaves the detector untouched; after end_scene_search the
    scene is frozen and gives its chosen ops' output, and a 'task' step moves only the task."""
    from mmengine.registry import init_default_scope

    from tests.helpers import det_search as det
    from tests.helpers.search import changed_groups, sgd_wrappers, snapshot
    init_default_scope('mmdet')
    model = det.search_model(order=1)
    wrappers = sgd_wrappers(model)
    train, val = det.det_batch(0), det.det_batch(1)
    a_s = model.search_groups()['scene_alpha']
    expected = [a.detach() - g for a, g in
                zip(a_s, torch.autograd.grad(det.scene_loss(model, val), a_s))]
    before = snapshot(model)
    model.set_search_step('scene_alone', val, beta=2.0)
    assert set(model.train_step(train, wrappers)) == {'loss', 'loss_scene'}
    for a, e in zip(a_s, expected):
        torch.testing.assert_close(a.detach(), e, rtol=1e-5, atol=1e-7)
    assert changed_groups(model, before) == {'scene_alpha', 'scene_w'}
    scene = model.data_preprocessor.scene
    model.end_scene_search()
    edges = [m for m in scene.modules() if isinstance(m, MixedOp)]
    assert edges and all(m.chosen == int(m.arch_alpha.argmax()) for m in edges)
    assert not any(p.requires_grad for p in scene.parameters())
    assert not model.search_groups()['scene_alpha'] and not model.search_groups()['scene_w']
    frozen = {n: p.detach().clone() for n, p in scene.named_parameters()}
    task = {n: p.detach().clone() for n, p in model.task.named_parameters()}
    model.set_search_step('task', val)
    assert set(model.train_step(train, wrappers)) == {'loss', 'loss_task'}
    assert _changed(frozen, {n: p.detach() for n, p in scene.named_parameters()}) == set()
    assert _changed(task, {n: p.detach() for n, p in model.task.named_parameters()})
