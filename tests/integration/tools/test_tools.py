"""tools/train.py, tools/test.py and tools/dist_train.sh run as subprocesses on CPU."""
from __future__ import annotations

import json
import os
import pickle
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import mmruas  # noqa: F401  (torch.load of Runner checkpoints)
from mmruas.compat import has_accelerator
from mmruas.utils.cli import ToolError, load_config
from tests.data.tiny_model import TinyRegressionDataset, TinyRegressor
from tests.helpers import REPO
from tests.helpers.tools import TINY_CFG, free_port, ok, run

STARTED = re.compile(r'IterRecorderHook: starting iter (\d+)')


def started_iters(proc: subprocess.CompletedProcess) -> list[int]:
    """The iterations the config's IterRecorderHook logged as started."""
    return [int(i) for i in STARTED.findall(proc.stdout + proc.stderr)]


@pytest.fixture(scope='module')
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A work dir where ``tools/train.py`` ran the tiny config for 4 iterations."""
    work_dir = tmp_path_factory.mktemp('train')
    proc = ok(run('train.py', TINY_CFG, '--work-dir', work_dir))
    assert started_iters(proc) == [0, 1, 2, 3]
    return work_dir


def test_train_writes_checkpoints(trained: Path) -> None:
    """Checkpoints every 2 iterations; ``last_checkpoint`` names the final one."""
    assert sorted(p.name for p in trained.glob('*.pth')) == ['iter_2.pth', 'iter_4.pth']
    assert Path((trained / 'last_checkpoint').read_text().strip()) == trained / 'iter_4.pth'
    ckpt = torch.load(trained / 'iter_4.pth')
    assert ckpt['meta']['iter'] == 4
    assert len(ckpt['message_hub']['log_scalars']['train/loss'].data[0]) == 4


def test_resume_from_path_then_auto(trained: Path, tmp_path: Path) -> None:
    """``--resume PATH`` continues at that iteration; ``--resume`` alone takes the latest."""
    work_dir = tmp_path / 'work'
    shutil.copytree(trained, work_dir)
    proc = ok(run('train.py', TINY_CFG, '--work-dir', work_dir, '--resume',
                  work_dir / 'iter_2.pth', '--cfg-options', 'train_cfg.max_iters=6'))
    assert started_iters(proc) == [2, 3, 4, 5]
    assert 'resumed epoch: 0, iter: 2' in proc.stdout + proc.stderr
    ckpt = torch.load(work_dir / 'iter_6.pth')
    assert ckpt['meta']['iter'] == 6
    assert len(ckpt['message_hub']['log_scalars']['train/loss'].data[0]) == 6

    proc = ok(run('train.py', TINY_CFG, '--work-dir', work_dir, '--resume',
                  '--cfg-options', 'train_cfg.max_iters=8'))
    assert started_iters(proc) == [6, 7]
    assert torch.load(work_dir / 'iter_8.pth')['meta']['iter'] == 8


def test_test_tool_writes_predictions_and_metric(trained: Path, tmp_path: Path) -> None:
    """``tools/test.py`` reports the MSE the checkpoint really has and dumps predictions."""
    ckpt_path = trained / 'iter_4.pth'
    out = tmp_path / 'preds.pkl'
    proc = ok(run('test.py', TINY_CFG, ckpt_path, '--work-dir', tmp_path, '--out', out))

    model = TinyRegressor()
    model.load_state_dict(torch.load(ckpt_path)['state_dict'])
    data = TinyRegressionDataset(num=16, seed=1)
    with torch.no_grad():
        expected = torch.mean((model(data.x) - data.y) ** 2).item()

    (metrics_file,) = tmp_path.glob('*/*.json')
    metrics = json.loads(metrics_file.read_text().splitlines()[-1])
    assert metrics['tiny/mse'] == pytest.approx(expected, rel=1e-5)
    assert f"tiny/mse: {expected:.4f}" in proc.stdout + proc.stderr

    with open(out, 'rb') as f:
        preds = pickle.load(f)
    assert len(preds) == 16
    assert torch.allclose(torch.stack([p['target'] for p in preds]), data.y)
    with torch.no_grad():
        assert torch.allclose(torch.stack([p['pred'] for p in preds]), model(data.x), atol=1e-6)


@pytest.mark.parametrize('tool, args, problem', [
    ('train.py', ['no/such/config.py'], 'config file not found: no/such/config.py'),
    ('train.py', ['tests/data/configs'], 'config path is a directory'),
    ('train.py', [TINY_CFG, '--cfg-options', 'train_cfg.max_iter=3'],
     "'train_cfg.max_iter' is not in the config (train_cfg has: by_epoch, max_iters)"),
    ('train.py', [TINY_CFG, '--cfg-options', 'model.nonexistent=1'],
     "'model.nonexistent' is not in the config"),
    ('train.py', [TINY_CFG, '--cfg-options', 'custom_hooks.3.type=X'],
     'custom_hooks is a list of 1 items'),
    ('train.py', [TINY_CFG, '--resume', '/no/such.pth'],
     '--resume checkpoint not found: /no/such.pth'),
    ('test.py', [TINY_CFG, '/no/such.pth'], 'checkpoint not found: /no/such.pth'),
    ('test.py', ['no/such/config.py', '/no/such.pth'], 'config file not found'),
])
def test_bad_input_is_one_line_error(tool: str, args: list[str], problem: str,
                                     tmp_path: Path) -> None:
    """Bad input exits 2 with ``error: <problem>`` as the last stderr line, no traceback."""
    proc = run(tool, *args, '--work-dir', tmp_path)
    assert proc.returncode == 2
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith('error: ')
    assert problem in last
    assert 'Traceback' not in proc.stderr
    assert not list(tmp_path.glob('*.pth'))


def test_test_tool_rejects_non_pickle_out(trained: Path, tmp_path: Path) -> None:
    """``--out`` must name a pickle file."""
    proc = run('test.py', TINY_CFG, trained / 'iter_4.pth', '--out', tmp_path / 'preds.json')
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1].startswith('error: --out must be a .pkl')
    assert 'Traceback' not in proc.stderr


def test_amp(tmp_path: Path) -> None:
    """mmengine 0.10.7's AmpOptimWrapper needs an accelerator: a clear error on CPU."""
    proc = run('train.py', TINY_CFG, '--work-dir', tmp_path, '--amp',
               '--cfg-options', 'train_cfg.max_iters=2')
    if has_accelerator():
        ok(proc)
        assert torch.load(tmp_path / 'iter_2.pth')['meta']['iter'] == 2
        return
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == (
        'error: --amp needs a CUDA, NPU, MLU or MUSA device; none is available '
        '(train without --amp on CPU)')
    assert 'Traceback' not in proc.stderr
    assert 'on CPU it is refused' in ' '.join(ok(run('train.py', '--help')).stdout.split())


def dist_train(work_dir: Path, nproc: int, *args: str) -> subprocess.CompletedProcess:
    """``tools/dist_train.sh`` with this interpreter on a free port."""
    env = dict(PYTHON=sys.executable, PORT=str(free_port()))
    return run('dist_train.sh', TINY_CFG, str(nproc), '--work-dir', str(work_dir), *args,
               env=env)


@pytest.mark.distributed
@pytest.mark.skipif(has_accelerator(), reason='tests the CPU (gloo) path')
def test_dist_train_two_processes_on_cpu(tmp_path: Path) -> None:
    """2 gloo ranks x batch 4 train exactly like 1 process with batch 8."""
    proc = ok(dist_train(tmp_path / 'dist', 2))
    log = proc.stdout + proc.stderr
    assert 'Distributed training: True' in log
    assert 'GPU number: 2' in log  # mmengine's name for the world size
    dist_ckpt = torch.load(tmp_path / 'dist' / 'iter_4.pth')
    assert dist_ckpt['meta']['iter'] == 4

    ok(run('train.py', TINY_CFG, '--work-dir', tmp_path / 'single',
           '--cfg-options', 'train_dataloader.batch_size=8'))
    single = torch.load(tmp_path / 'single' / 'iter_4.pth')['state_dict']
    for key, value in single.items():
        assert torch.allclose(dist_ckpt['state_dict'][key], value, atol=1e-5), key


@pytest.mark.distributed
@pytest.mark.skipif(has_accelerator(), reason='tests the CPU (gloo) path')
def test_dist_train_nccl_config_falls_back_to_gloo_on_cpu(tmp_path: Path) -> None:
    """Stock configs ask for nccl; without a GPU the launcher uses gloo instead."""
    proc = ok(dist_train(tmp_path, 1, '--cfg-options', 'env_cfg.dist_cfg.backend=nccl',
                         'train_cfg.max_iters=2'))
    assert 'using the gloo backend instead of nccl' in proc.stderr
    assert torch.load(tmp_path / 'iter_2.pth')['meta']['iter'] == 2


def stock_config(package: str, relpath: str) -> str:
    """Path of a config shipped inside an installed OpenMMLab package (``.mim/configs``)."""
    module = __import__(package)
    path = Path(module.__file__).parent / '.mim' / 'configs' / relpath
    assert path.is_file(), path
    return str(path)


@pytest.mark.parametrize('package, relpath, scope, head', [
    ('mmdet', 'faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py', 'mmdet', 'roi_head.bbox_head'),
    ('mmseg', 'pspnet/pspnet_r50-d8_4xb2-40k_cityscapes-512x1024.py', 'mmseg', 'decode_head'),
])
def test_load_stock_configs_with_strict_options(package: str, relpath: str, scope: str,
                                                head: str) -> None:
    """Stock mmdet/mmseg configs load; existing nested keys and list indices are accepted."""
    path = stock_config(package, relpath)
    cfg = load_config(path, {
        'train_dataloader.batch_size': 1,
        'model.backbone.depth': 50,
        f'model.{head}.num_classes': 3,
        'train_dataloader.dataset.pipeline.2.scale': (640, 480),
        'work_dir': 'somewhere',  # a Runner argument may be added at top level
    })
    assert cfg.default_scope == scope
    assert cfg.train_dataloader.batch_size == 1
    assert cfg.model.backbone.depth == 50
    node = cfg.model
    for part in head.split('.'):
        node = node[part]
    assert node.num_classes == 3
    assert cfg.train_dataloader.dataset.pipeline[2].scale == (640, 480)
    assert cfg.work_dir == 'somewhere'

    with pytest.raises(ToolError, match="'model.backbone.detph' is not in the config"):
        load_config(path, {'model.backbone.detph': 101})
    n_steps = len(cfg.train_dataloader.dataset.pipeline)
    with pytest.raises(ToolError, match=f'list of {n_steps} items'):
        load_config(path, {f'train_dataloader.dataset.pipeline.{n_steps}.scale': 1})


def test_stack_imports_in_fresh_interpreter() -> None:
    """mmruas and the OpenMMLab stack (with mmcv's compiled ops) import together."""
    code = ('import mmruas, mmdet.models, mmseg.models, mmpretrain.models; '
            'from mmcv.ops import nms, batched_nms; print("ok")')
    proc = subprocess.run([sys.executable, '-c', code], cwd=REPO, capture_output=True,
                          text=True, env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().splitlines()[-1] == 'ok'


def test_mmcv_nms_keeps_expected_boxes() -> None:
    """Compiled nms drops the box overlapping a higher-scored one (IoU 81/119 > 0.5)."""
    from mmcv.ops import batched_nms, nms

    boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 11., 11.], [20., 20., 30., 30.]])
    scores = torch.tensor([0.9, 0.8, 0.7])
    dets, keep = nms(boxes, scores, iou_threshold=0.5)
    assert keep.tolist() == [0, 2]
    assert torch.allclose(dets[:, 4], torch.tensor([0.9, 0.7]))
    _, keep = nms(boxes, scores, iou_threshold=0.7)  # 0.68 < 0.7: all survive
    assert keep.tolist() == [0, 1, 2]
    _, keep = batched_nms(boxes, scores, torch.tensor([0, 1, 0]), dict(iou_threshold=0.5))
    assert keep.tolist() == [0, 1, 2]  # the overlapping box is another class
