"""mmruas.compat: mmengine checkpoints load and resume under torch 2.14's weights_only default."""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import HistoryBuffer
from mmengine.runner import Runner

import mmruas  # noqa: F401  (applies the compat fixes under test)
from mmruas import compat
from tests.helpers import REPO
from tests.helpers.tools import free_port

TINY_CFG = REPO / 'tests' / 'data' / 'configs' / 'tiny_regression.py'


def make_runner(work_dir: Path, max_iters: int, load_from: Path | None = None,
                resume: bool = False) -> Runner:
    """A Runner for the tiny regression config with a unique experiment name."""
    cfg = Config.fromfile(str(TINY_CFG))
    cfg.work_dir = str(work_dir)
    cfg.train_cfg.max_iters = max_iters
    cfg.experiment_name = f'compat_{uuid.uuid4().hex[:8]}'  # fresh MessageHub / logger
    cfg.load_from = None if load_from is None else str(load_from)
    cfg.resume = resume
    return Runner.from_cfg(cfg)


def recorded_iters(runner: Runner) -> list[int]:
    """The iterations the IterRecorderHook saw start."""
    (hook,) = [h for h in runner.hooks if type(h).__name__ == 'IterRecorderHook']
    return hook.iters


@pytest.fixture(scope='module')
def trained(tmp_path_factory: pytest.TempPathFactory):
    """An uninterrupted 4-iteration run that saved iter_2.pth and iter_4.pth."""
    work_dir = tmp_path_factory.mktemp('uninterrupted')
    runner = make_runner(work_dir, max_iters=4)
    runner.train()
    yield runner, work_dir
    torch.use_deterministic_algorithms(False)  # set by randomness.deterministic


def test_checkpoint_loads_with_weights_only_default(trained) -> None:
    """``torch.load`` with its default (weights_only=True) reads a Runner checkpoint."""
    runner, work_dir = trained
    assert sorted(p.name for p in work_dir.glob('*.pth')) == ['iter_2.pth', 'iter_4.pth']
    ckpt = torch.load(work_dir / 'iter_4.pth')
    assert ckpt['meta']['iter'] == 4
    loss = ckpt['message_hub']['log_scalars']['train/loss']
    assert isinstance(loss, HistoryBuffer)
    assert len(loss.data[0]) == 4
    assert loss.statistics('min') == pytest.approx(loss.data[0].min())
    weights = {k: v for k, v in runner.model.state_dict().items()}
    assert all(torch.equal(ckpt['state_dict'][k], v) for k, v in weights.items())


def test_resume_matches_uninterrupted_run(trained, tmp_path: Path) -> None:
    """Resuming at iter 2 continues at 2 and ends with bit-identical weights and lr."""
    reference, work_dir = trained
    runner = make_runner(tmp_path, max_iters=4, load_from=work_dir / 'iter_2.pth', resume=True)
    runner.train()
    assert recorded_iters(reference) == [0, 1, 2, 3]
    assert recorded_iters(runner) == [2, 3]
    assert runner.iter == 4
    assert len(runner.message_hub.get_scalar('train/loss').data[0]) == 4
    final = runner.model.state_dict()
    expected = reference.model.state_dict()
    assert final.keys() == expected.keys()
    for key in expected:
        assert torch.equal(final[key], expected[key]), key
    assert runner.optim_wrapper.get_lr()['lr'] == pytest.approx([0.01])  # 0.02 * 0.5 after 3
    assert reference.optim_wrapper.get_lr() == runner.optim_wrapper.get_lr()
    assert sorted(p.name for p in tmp_path.glob('*.pth')) == ['iter_4.pth']


class _Payload:
    """Unpickles to ``func(*args)``: what a malicious checkpoint would run."""

    def __init__(self, func, *args) -> None:
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


@pytest.mark.parametrize('kind', ['os.system', 'print', 'getattr'])
def test_arbitrary_callables_still_refused(kind: str, tmp_path: Path) -> None:
    """weights_only stays on: callables outside the allow-list are not run."""
    marker = tmp_path / 'pwned'
    payload = {
        'os.system': _Payload(os.system, f'touch {marker}'),
        'print': _Payload(print, 'pwned'),
        # the compat stand-in for getattr resolves HistoryBuffer.min/max/... only
        'getattr': _Payload(getattr, HistoryBuffer, '__init__'),
    }[kind]
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'meta': payload}, path)
    with pytest.raises(pickle.UnpicklingError) as err:
        torch.load(path)
    assert not marker.exists()
    if kind == 'getattr':
        assert 'is not allowed' in str(err.value)
    # the real getattr was never allow-listed
    assert getattr not in torch.serialization.get_safe_globals()


def test_stand_in_getattr_is_restricted() -> None:
    """Only HistoryBuffer's statistics methods are reachable through the stand-in."""
    assert compat.history_buffer_getattr(HistoryBuffer, 'mean') is HistoryBuffer.mean
    for obj, name in [(HistoryBuffer, '__init__'), (HistoryBuffer, 'update'), (torch, 'load'),
                      (os, 'system')]:
        with pytest.raises(pickle.UnpicklingError):
            compat.history_buffer_getattr(obj, name)


def test_apply_is_idempotent() -> None:
    """Re-applying the fixes does not duplicate or widen the allow-list."""
    before = set(torch.serialization.get_safe_globals())
    compat.apply()
    assert set(torch.serialization.get_safe_globals()) == before
    assert HistoryBuffer in before


def test_failure_is_real_without_mmruas(trained) -> None:
    """Without ``import mmruas`` the same checkpoint is refused because of HistoryBuffer."""
    _, work_dir = trained
    code = 'import sys, torch; torch.load(sys.argv[1])'
    proc = subprocess.run([sys.executable, '-c', code, str(work_dir / 'iter_4.pth')],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode != 0
    assert 'UnpicklingError' in proc.stderr
    assert 'mmengine.logging.history_buffer.HistoryBuffer' in proc.stderr
    # ... and importing mmruas is all it takes to load it
    code = 'import sys, torch, mmruas; print(torch.load(sys.argv[1])["meta"]["iter"])'
    proc = subprocess.run([sys.executable, '-c', code, str(work_dir / 'iter_4.pth')],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == '4'


def test_stock_ssd300_predicts_with_softmax_ssd_head() -> None:
    """mmdet 3.3.0's SSDHead has no ``loss_cls`` and cannot predict; mmruas leaves it as it is
    and registers ``SoftmaxSSDHead``, with which the stock SSD300 config predicts."""
    import mmdet
    from mmdet.models.dense_heads import SSDHead
    from mmdet.registry import MODELS as MMDET_MODELS
    from mmdet.structures import DetDataSample
    from mmengine.registry import DefaultScope

    import mmruas.det  # noqa: F401  (registers SoftmaxSSDHead)

    torch.set_num_threads(1)
    cfg = Config.fromfile(str(Path(mmdet.__file__).parent / '.mim/configs/ssd/ssd300_coco.py'))
    cfg.model.backbone.init_cfg = None  # no download
    cfg.model.test_cfg.score_thr = 0.0  # random weights score about 1/81 per class
    size = 260  # the smallest input whose last SSD level is still 1 x 1
    data = dict(inputs=[torch.randint(0, 256, (3, size, size), dtype=torch.uint8)],
                data_samples=[DetDataSample(metainfo=dict(
                    img_shape=(size, size), ori_shape=(size, size), scale_factor=(1.0, 1.0)))])
    assert 'loss_cls' not in SSDHead.__dict__  # nobody else's SSDHead is patched
    with DefaultScope.overwrite_default_scope('mmdet'):
        torch.manual_seed(0)
        stock = MMDET_MODELS.build(cfg.model).eval()
        cfg.model.bbox_head.type = 'SoftmaxSSDHead'
        torch.manual_seed(0)
        model = MMDET_MODELS.build(cfg.model).eval()
    with pytest.raises(AttributeError, match="no attribute 'loss_cls'"), torch.no_grad():
        stock.test_step(data)  # the stock failure, as reported
    with torch.no_grad():
        (pred,) = model.test_step(data)
    assert isinstance(pred, DetDataSample)
    inst = pred.pred_instances
    assert inst.bboxes.shape[1] == 4 and len(inst.bboxes) == len(inst.scores) > 0
    assert int(inst.labels.max()) < 80  # softmax without the background column
    assert model.bbox_head.loss_cls is None and not model.bbox_head.use_sigmoid_cls


def run_child(code: str) -> dict:
    """``code`` in a fresh interpreter (one JSON line back)."""
    import json

    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1', RANK='0', WORLD_SIZE='1',
               LOCAL_RANK='0', MASTER_ADDR='127.0.0.1', MASTER_PORT=str(free_port()))
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                          cwd=REPO, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(compat.has_accelerator(), reason='the fix is for machines without one')
def test_cpu_distributed_fix_is_scoped_and_still_needed() -> None:
    """``import mmruas`` leaves mmengine's launcher and DDP wrapper stock, and stock they
    fail on CPU; :func:`compat.enable_cpu_distributed` (tools/train.py, tools/test.py with a
    launcher) makes both work, with gloo where a config asks for nccl."""
    out = run_child('''
import json, torch, torch.distributed as dist
import mmruas
from mmengine.dist import init_dist
from mmengine.model.wrappers import MMDistributedDataParallel as DDP
from mmruas import compat
res = {}
try:
    init_dist('pytorch', backend='gloo')
    res['stock_launch'] = 'ok'
except Exception as exc:
    res['stock_launch'] = type(exc).__name__ + ': ' + str(exc)
dist.init_process_group('gloo')
try:
    DDP(torch.nn.Linear(2, 2), device_ids=[0])
    res['stock_ddp'] = 'ok'
except Exception as exc:
    res['stock_ddp'] = type(exc).__name__ + ': ' + str(exc)
res['none'] = compat.enable_cpu_distributed('none')
res['applied'] = compat.enable_cpu_distributed('pytorch')
model = DDP(torch.nn.Linear(2, 2), device_ids=[0])
res['ddp_out'] = list(model(torch.ones(1, 2)).shape)
dist.destroy_process_group()
init_dist('pytorch', backend='nccl')
res['backend'] = dist.get_backend()
dist.destroy_process_group()
print(json.dumps(res))
''')
    assert out['stock_launch'] != 'ok' and 'driver' in out['stock_launch'].lower()
    assert out['stock_ddp'].startswith('ValueError') and 'device_ids' in out['stock_ddp']
    assert out['none'] is False and out['applied'] is True
    assert out['ddp_out'] == [1, 2] and out['backend'] == 'gloo'


def test_import_mmruas_patches_no_mmdet_class() -> None:
    """Neither ``import mmruas`` nor its mmdet adapter (imported by mmdet's registry on first
    use) changes mmdet's ``SSDHead``; the adapter registers ``SoftmaxSSDHead`` instead."""
    out = run_child('''
import json, sys
import mmruas
res = dict(models_loaded='mmdet.models' in sys.modules)
from mmdet.registry import MODELS
MODELS.get('SSDHead')  # mmdet imports its locations: mmdet.models, then mmruas.det
from mmdet.models.dense_heads import SSDHead
res['adapter'] = 'mmruas.det' in sys.modules
res['patched'] = 'loss_cls' in SSDHead.__dict__
res['softmax_head'] = MODELS.get('SoftmaxSSDHead').__module__
print(json.dumps(res))
''')
    assert out == dict(models_loaded=False, adapter=True, patched=False,
                       softmax_head='mmruas.det.models.heads.softmax_ssd_head')
