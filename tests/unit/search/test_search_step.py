"""The search models' step interface (mmruas.search.search_step) as the hooks use it: one
public method for each iteration's instructions, parameter groups built once, the hook's
state restored on resume only, retrain_base found without the source checkout."""
import inspect
import os.path as osp
from types import SimpleNamespace

import pytest
from mmengine.config import Config
from mmengine.logging import MMLogger

from mmruas.models import RUASSearchEnhancer
from mmruas.search import CooperativeSearchHook
from tests.helpers import REPO  # noqa: F401
from tests.helpers.search import _batch, _model, _run, _scope  # noqa: F401


def test_hook_drives_the_model_only_through_set_search_step(tmp_path, monkeypatch):
    """A spy on the model: every instruction of the hook arrives through
    ``set_search_step`` (phase, validation batch, β, order), the hook writes no attribute of
    the model itself, and the parameter groups are built once for the whole run."""
    calls, builds, writes = [], [], []
    set_step = RUASSearchEnhancer.set_search_step
    build = RUASSearchEnhancer.build_search_groups
    setattr_ = RUASSearchEnhancer.__setattr__

    def spy_set_step(self, phase, val_batch=None, **kwargs):
        calls.append((tuple(phase), val_batch is not None, kwargs))
        return set_step(self, phase, val_batch, **kwargs)

    def spy_build(self):
        builds.append(type(self).__name__)
        return build(self)

    def spy_setattr(self, name, value):
        writes.append((name, inspect.currentframe().f_back.f_code.co_filename))
        setattr_(self, name, value)

    monkeypatch.setattr(RUASSearchEnhancer, 'set_search_step', spy_set_step)
    monkeypatch.setattr(RUASSearchEnhancer, 'build_search_groups', spy_build)
    monkeypatch.setattr(RUASSearchEnhancer, '__setattr__', spy_setattr)
    runner, rec = _run(tmp_path, 'cooperative', max_iters=4, phase_iters=(2, 1), order=1,
                       beta=0.5, warmup_iters=1)
    assert rec.phases == ['warmup', 'scene', 'scene', 'task']
    settings = dict(beta=0.5, order=1)
    assert calls == [(('warmup',), False, settings), (('scene',), True, settings),
                     (('scene',), True, settings), (('task',), True, settings)]
    assert runner.model.beta == 0.5 and runner.model.order == 1
    assert builds == ['RUASSearchEnhancer']          # once: optimisers, steps, hook, reports
    hook_file = osp.join('mmruas', 'search', 'cooperative_hook.py')
    assert not [n for n, f in writes if f.endswith(hook_file)]
    assert ('search_step', osp.join(REPO, 'mmruas', 'search', 'search_step.py')) in writes


def test_set_search_step_checks_phase_and_validation_batch():
    model = _model()
    assert model.search_step.phases == ('warmup',) and model.search_step.val_batch is None
    with pytest.raises(ValueError, match='search phase'):
        model.set_search_step('bilevel', _batch(1))
    with pytest.raises(RuntimeError, match='validation batch'):
        model.set_search_step(('scene', 'task'))
    with pytest.raises(ValueError, match='order'):
        model.set_search_step('scene', _batch(1), order=3)
    model.set_search_step(('scene', 'task'), _batch(1))
    assert model.search_step.phases == ('scene', 'task')
    groups = model.search_groups()
    assert model.search_groups() == groups and model.search_groups() is not groups


def test_retrain_base_is_resolved_from_the_cwd_then_the_config_dir(tmp_path, monkeypatch):
    cfg_dir = tmp_path / 'configs' / 'task'
    cfg_dir.mkdir(parents=True)
    (cfg_dir / 'base.py').write_text('model = dict()\n')
    (cfg_dir / 'search.py').write_text('model = dict()\n')
    (tmp_path / 'cwd').mkdir()
    monkeypatch.chdir(tmp_path / 'cwd')
    runner = SimpleNamespace(cfg=Config(dict(), filename=str(cfg_dir / 'search.py')),
                             logger=MMLogger.get_instance('retrain_base_test'))
    resolve = CooperativeSearchHook(retrain_base='base.py').resolve_retrain_base
    assert resolve(runner) == str(cfg_dir / 'base.py')
    (tmp_path / 'cwd' / 'base.py').write_text('model = dict()\n')
    assert resolve(runner) == str(tmp_path / 'cwd' / 'base.py')        # the cwd first
    later = CooperativeSearchHook(retrain_base='later.py').resolve_retrain_base(runner)
    assert later == str(tmp_path / 'cwd' / 'later.py')                 # need not exist yet
    assert CooperativeSearchHook().resolve_retrain_base(runner) is None


def test_search_state_is_restored_on_resume_only():
    """The state saved in a checkpoint is taken when the run resumes from it (the runner is
    at the checkpoint's iteration), not when the checkpoint only initialises the weights
    (``load_from``: the runner starts at iteration 0)."""
    saved = dict(phase='task', steps=('task',), phase_iter=1, switch=False, val_batches=3,
                 switches=2, scene_ended=False)
    ckpt = dict(meta=dict(iter=3, search_state=saved))
    for it, expect in ((0, None), (3, 'task')):
        hook = CooperativeSearchHook()
        hook.after_load_checkpoint(SimpleNamespace(iter=it), ckpt)
        hook.restore_state(SimpleNamespace(iter=it))
        assert hook.state['phase'] == expect and hook.state['val_batches'] == (3 if it else 0)
        assert hook.loaded_state is None
