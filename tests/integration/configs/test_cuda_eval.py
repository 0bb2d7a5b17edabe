"""GPU checks of ``make test-cuda`` beyond training: evaluation, host syncs, the demo.

- ``tools/test.py`` of SSD300/ExDark, DSFD/DARK FACE and DeepLab-v3+/ACDC on tiny fixture
  trees with the same checkpoint on the CPU (``CUDA_VISIBLE_DEVICES=''``) and on the GPU:
  every logged metric (mAP, per-class AP, mIoU) equal within ``METRIC_TOL`` and the dumped
  predictions (``--out``) close: both runs in fp32 (``NVIDIA_TF32_OVERRIDE=0``: no TF32 in
  cuDNN/cuBLAS), so the CUDA side differs from the CPU's by float32 rounding only.
- a few training iterations of each main config (the cases of
  tests/integration/configs/test_devices.py) under
  ``torch.cuda.set_sync_debug_mode('warn')``: each host synchronisation is attributed to the
  innermost frame of mmruas / mmengine / mmdet / mmseg / mmcv on the Python stack. None may
  come from mmruas inside a ``train_step``; those of the OpenMMLab stack (mmengine's loss
  logging ``.item()``, mmdet's assigners and samplers ``nonzero``, gradient-norm logging) are
  counted and printed. ``'error'`` would stop at mmengine's first logging sync, which no
  config can avoid, hence ``'warn'`` and the count.
- ``tools/demo.py --smoke`` (search, stage 1, training, test) on the GPU.

All are marked ``cuda`` and skipped without a CUDA device: the normal suite pays nothing.
"""
from __future__ import annotations

import os
import pickle
import re
import subprocess
import sys
import traceback
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.helpers import REPO

METRIC_TOL = 0.01      # mAP / AP in [0, 1] and mIoU in % alike: one hundredth
SCORE_TOL = 1e-3       # top detection scores, fp32 on both sides
PIXEL_AGREEMENT = 0.999
LOGIT_TOL = 1e-3       # segmentation logits, relative to their largest magnitude

pytestmark = [pytest.mark.cuda, pytest.mark.skipif(
    not torch.cuda.is_available(), reason='no CUDA device (run `make test-cuda` on one)')]


# ------------------------------------------------------------------ evaluation
def _exdark(root: Path) -> list[str]:
    from .test_detection_search import exdark_tree
    exdark_tree(root, n=4)
    (root / 'ruas_test.txt').write_text(''.join(f'2015_{i:05d}.jpg\n' for i in range(4)))
    return [f'test_dataloader.dataset.data_root={root}',
            'test_dataloader.dataset.ann_file=ruas_test.txt']


def _darkface(root: Path) -> list[str]:
    from .test_darkface import make_darkface
    make_darkface(root)
    (root / 'test.txt').write_text('1\n2\n10\n')
    return [f'test_dataloader.dataset.data_root={root}']


def _acdc(root: Path) -> list[str]:
    from .acdc_fixture import make_tiny_acdc
    make_tiny_acdc(str(root), size=(128, 96))
    # the config's ResNet-101 V1c at output stride 8, on 256×192 (the CPU side's time)
    return [f'test_dataloader.dataset.data_root={root}',
            'test_dataloader.dataset.pipeline.1.scale=(256,192)']


EVAL = {   # name: (config, fixture)
    'ssd_exdark': ('configs/ruas_ssd_exdark.py', _exdark),
    'dsfd_darkface': ('configs/ruas_dsfd_darkface.py', _darkface),
    'deeplabv3plus_acdc': ('configs/ruas_deeplabv3plus_acdc.py', _acdc),
}


def _checkpoint(config: str, path: Path) -> None:
    """Seeded random weights of ``config``'s model (no pretrained file is read)."""
    from mmengine.config import Config
    from mmengine.model import revert_sync_batchnorm

    import mmruas  # noqa: F401
    from mmruas.utils.checkpoints import build_model

    cfg = Config.fromfile(str(REPO / config))
    cfg.model.pop('pretrained', None)
    cfg.model.get('backbone', {}).pop('init_cfg', None)
    cfg.model.data_preprocessor.scene_checkpoint = None
    torch.manual_seed(0)
    model = revert_sync_batchnorm(build_model(cfg))
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)


def _metrics(log: str) -> dict[str, float]:
    """The numbers of the last ``Epoch(test)`` / ``Iter(test)`` line of an mmengine log
    (``key: value`` pairs two spaces apart; keys may hold a space: ``IoU_traffic light``)."""
    line = [x for x in log.splitlines() if re.search(r'(Epoch|Iter)\(test\)', x)][-1]
    pairs = (re.fullmatch(r'(.+?): (-?\d+(?:\.\d+)?(?:e-?\d+)?)', p.strip())
             for p in re.split(r'\s{2,}', line.split(']', 1)[-1]))
    return {m[1]: float(m[2]) for m in pairs if m and m[1] not in ('time', 'data_time')}


def run_test_tool(config: str, options: list[str], ckpt: Path, work: Path,
                  device: str) -> tuple[dict[str, float], list]:
    """``tools/test.py`` in a child process on ``device``: (metrics, dumped predictions)."""
    env = dict(os.environ, NVIDIA_TF32_OVERRIDE='0', OMP_NUM_THREADS='4')
    if device == 'cpu':
        env['CUDA_VISIBLE_DEVICES'] = ''
    out = work / f'preds_{device}.pkl'
    proc = subprocess.run(
        [sys.executable, 'tools/test.py', str(REPO / config), str(ckpt), '--work-dir',
         str(work / device), '--out', str(out), '--cfg-options', *options,
         'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False',
         'model.data_preprocessor.scene_checkpoint=None'],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(out, 'rb') as f:
        preds = pickle.load(f)
    return _metrics(proc.stdout + proc.stderr), preds


def _detections(p: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    inst = p['pred_instances']
    return tuple(np.asarray(inst[k]) for k in ('scores', 'bboxes', 'labels'))


def _compare_predictions(cpu: list, gpu: list) -> None:
    """Per image: the same number of detections (±1 %), the top-20 scores (sorted) within
    SCORE_TOL, and each of the CPU's top-5 detections among the GPU's top 50 (same label,
    box within 0.5 px, score within SCORE_TOL): with random weights many scores nearly tie,
    so the order of equal-score boxes may differ. Segmentation: the label maps agree on
    PIXEL_AGREEMENT of the pixels and the logits within LOGIT_TOL (relative)."""
    assert len(cpu) == len(gpu) > 0
    for a, b in zip(cpu, gpu):
        if 'pred_instances' not in a:
            la, lb = (np.asarray(p['pred_sem_seg']['data']) for p in (a, b))
            assert la.shape == lb.shape
            assert (la == lb).mean() >= PIXEL_AGREEMENT
            # random weights may label every pixel alike: the logits carry the comparison
            ga, gb = (np.asarray(p['seg_logits']['data']) for p in (a, b))
            np.testing.assert_allclose(ga, gb, atol=LOGIT_TOL * np.abs(ga).max())
            continue
        (sa, ba, la), (sb, bb, lb) = _detections(a), _detections(b)
        assert abs(len(sa) - len(sb)) <= max(1, len(sa) // 100), (len(sa), len(sb))
        k = min(20, len(sa), len(sb))
        np.testing.assert_allclose(np.sort(sa)[::-1][:k], np.sort(sb)[::-1][:k], atol=SCORE_TOL)
        for i in np.argsort(-sa)[:5]:
            near = ((lb[:50] == la[i]) & (np.abs(sb[:50] - sa[i]) <= SCORE_TOL)
                    & (np.abs(bb[:50] - ba[i]).max(axis=1) <= 0.5))
            assert near.any(), (i, sa[i], ba[i], la[i])


@pytest.mark.parametrize('name', list(EVAL))
def test_test_tool_metrics_equal_on_cpu_and_cuda(name, tmp_path):
    config, fixture = EVAL[name]
    options = fixture(tmp_path / 'data')
    ckpt = tmp_path / 'random.pth'
    _checkpoint(config, ckpt)
    cpu, preds_cpu = run_test_tool(config, options, ckpt, tmp_path, 'cpu')
    gpu, preds_gpu = run_test_tool(config, options, ckpt, tmp_path, 'cuda')
    print(f'\n[eval] {name}: cpu {cpu}\n[eval] {name}: cuda {gpu}')
    assert cpu.keys() == gpu.keys() and cpu
    assert any('mAP' in k or 'mIoU' in k for k in cpu), cpu
    for k in cpu:
        assert abs(cpu[k] - gpu[k]) <= METRIC_TOL, (k, cpu[k], gpu[k])
    _compare_predictions(preds_cpu, preds_gpu)


# ------------------------------------------------------------------ host syncs
OWNERS = ('mmruas', 'mmengine', 'mmdet', 'mmseg', 'mmcv', 'tests')


def _owner(stack: list[traceback.FrameSummary]) -> tuple[str, str, bool]:
    """(package, 'file:line', inside a train_step) of the innermost owned frame."""
    in_step = any(f.name == 'train_step' for f in stack)
    for frame in reversed(stack):
        parts = Path(frame.filename).parts
        # the innermost package folder of the path (a clone named mmruas holds .venv/.../mmdet)
        hits = [i for i, part in enumerate(parts[:-1]) if part in OWNERS]
        if hits:
            rel = '/'.join(parts[hits[-1]:])
            return parts[hits[-1]], f'{rel}:{frame.lineno}', in_step
    return 'torch', f'{stack[-1].filename}:{stack[-1].lineno}', in_step


@pytest.mark.parametrize('name', ['enhance_lol5_recipe', 'search_lol5_second_order',
                                  'ssd_exdark', 'dsfd_darkface', 'deeplabv3plus_acdc',
                                  'bgl_sid_tbgl'])
def test_train_iterations_have_no_mmruas_host_sync(name, tmp_path):
    from mmengine.runner import Runner

    from .test_devices import _config

    runner = Runner.from_cfg(_config(name, tmp_path, 'cuda', 3, amp=False))
    syncs: list[tuple[str, str, bool]] = []

    def record(message, category, filename, lineno, file=None, line=None):
        if 'synchroniz' in str(message).lower():
            syncs.append(_owner(traceback.extract_stack()[:-1]))

    old = warnings.showwarning
    warnings.showwarning = record
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('always')
            warnings.showwarning = record
            torch.cuda.set_sync_debug_mode('warn')
            try:
                runner.train()
            finally:
                torch.cuda.set_sync_debug_mode('default')
    finally:
        warnings.showwarning = old
    counts = Counter((pkg, where) for pkg, where, _ in syncs)
    print(f'\n[sync] {name}: {len(syncs)} host syncs in 3 iterations')
    for (pkg, where), n in counts.most_common():
        print(f'[sync]   {n:4d}  {pkg:8s} {where}')
    ours = sorted({where for pkg, where, step in syncs if pkg == 'mmruas' and step})
    assert not ours, f'host syncs in mmruas train-step code: {ours}'


# ------------------------------------------------------------------ demo
def test_demo_smoke_on_the_gpu(tmp_path):
    import json
    work = tmp_path / 'demo'
    proc = subprocess.run([sys.executable, 'tools/demo.py', '--smoke', '--work-dir', str(work)],
                          cwd=REPO, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    summary = json.loads((work / 'summary.json').read_text())
    assert 0.0 <= summary['mAP'] <= 1.0 and 0.0 <= summary['chance_mAP'] <= 1.0
    print(f'\n[demo] smoke on {torch.cuda.get_device_name()}: mAP {summary["mAP"]:.3f}, '
          f'chance {summary["chance_mAP"]:.3f}')
