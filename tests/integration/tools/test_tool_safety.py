"""Tools never run foreign code, never lose or silently replace data, and fail with one line.

Issue 15's probe matrix: per tool, bad paths, bad types, corrupt or malicious files,
existing outputs and interrupted writes end with exit status 2, exactly one ``error:``
line on stderr, and inputs byte-identical afterwards. Subprocesses only where the command
line is the point; probes of one tool share a process where they can.
"""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from mmruas.utils.safe_pickle import load_pickle
from tests.helpers import REPO
from tests.helpers.models import ENHANCE_CFG, random_enhancer_checkpoint
from tests.helpers.tools import TINY_CFG, Evil, dark_png, digest, one_error, run_tool

#: runs one tool's ``main`` under ``run_tool`` once per argv list (JSON on stdin), in one
#: process (one mmruas import for many probes); prints [[exit status, stderr], ...]
PROBE_DRIVER = r"""
import contextlib, importlib.util, io, json, sys, warnings
warnings.simplefilter('ignore')
tool, probes = json.load(sys.stdin)
spec = importlib.util.spec_from_file_location('probed_tool', tool)
mod = importlib.util.module_from_spec(spec)
sys.modules['probed_tool'] = mod
spec.loader.exec_module(mod)
from mmruas.utils.cli import run_tool
from mmengine.registry import DefaultScope
results = []
for argv in probes:
    sys.argv = [tool, *argv]
    err = io.StringIO()
    DefaultScope._instance_dict.clear()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            run_tool(mod.main)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    results.append([code, err.getvalue()])
print(json.dumps(results))
"""


def probe_many(tool: str, probes: list[list]) -> list[subprocess.CompletedProcess]:
    """Each argv of ``probes`` run through ``tools/<tool>``'s main in one subprocess."""
    import json
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    proc = subprocess.run([sys.executable, '-c', PROBE_DRIVER], cwd=REPO, env=env,
                          input=json.dumps([str(REPO / 'tools' / tool),
                                            [list(map(str, p)) for p in probes]]),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return [subprocess.CompletedProcess(p, code, '', err)
            for p, (code, err) in zip(probes, json.loads(proc.stdout.splitlines()[-1]))]


# --- 1. pickles: one restricted unpickler -------------------------------------------------


def test_plot_pr_malicious_dump_runs_nothing(tmp_path: Path) -> None:
    """Issue 15.1: plot_pr ran a dump's ``__reduce__`` (touched a file), then said
    "not a detection dump"; now nothing runs: one error line, exit 2, no PNG."""
    from tests.helpers.data import make_darkface

    root = make_darkface(tmp_path / 'df')
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(f"default_scope = 'mmdet'\ncustom_imports = dict(imports=['mmruas'])\n"
                   f"test_dataloader = dict(dataset=dict(type='DarkFaceDataset', "
                   f"data_root={root!r}, test_mode=True, pipeline=[]))\n")
    target = tmp_path / 'pwned'
    evil = tmp_path / 'evil.pkl'
    evil.write_bytes(pickle.dumps([Evil(target)]))
    before = digest(tmp_path)
    proc = run_tool('analysis_tools/plot_pr.py', cfg, evil, '--out', tmp_path / 'pr.png')
    one_error(proc, str(evil), 'refused global', 'system')
    assert not target.exists() and not (tmp_path / 'pr.png').exists()
    assert digest(tmp_path) == before


# --- atomic writes --------------------------------------------------------------------


# --- 2./5./6./8. tools/enhance.py ------------------------------------------------------



@pytest.fixture(scope='module')
def enhance_ckpt(tmp_path_factory) -> Path:
    return random_enhancer_checkpoint(tmp_path_factory)


# --- 3./5. tools/test.py: strict checkpoints, --out never replaced -------------------


@pytest.fixture(scope='module')
def tiny_ckpt(tmp_path_factory) -> Path:
    from tests.data.tiny_model import TinyRegressor
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp('tiny') / 'tiny.pth'
    torch.save({'state_dict': TinyRegressor().state_dict(), 'meta': {}}, path)
    return path


def test_test_tool_probes(tiny_ckpt: Path, enhance_ckpt: Path, tmp_path: Path) -> None:
    """Issue 15.3 (a checkpoint with no matching key was tested, exit 0, metrics of random
    weights), 15.5 (``--out existing.pkl`` replaced) and 15.7 (paths under a file, a
    RUAS_A ``scene_checkpoint`` for the demo detector's RUAS_S scene)."""
    scene_key = 'model.data_preprocessor.scene_checkpoint'
    wrong = tmp_path / 'wrong.pth'
    torch.save({'state_dict': {'other.weight': torch.zeros(1, 4)}}, wrong)
    extra = tmp_path / 'extra.pth'
    state = torch.load(tiny_ckpt)['state_dict']
    torch.save({'state_dict': dict(state, **{'head.bias': torch.zeros(1)})}, extra)
    truncated = tmp_path / 'truncated.pth'
    truncated.write_bytes(tiny_ckpt.read_bytes()[:200])
    malicious = tmp_path / 'malicious.pth'
    torch.save({'state_dict': state, 'x': Evil(tmp_path / 'pwned')}, malicious)
    existing = tmp_path / 'preds.pkl'
    existing.write_bytes(b'earlier predictions')
    a_file = tmp_path / 'file'
    a_file.write_text('x')
    work = tmp_path / 'work'
    before = digest(tmp_path)
    probes = [
        ([TINY_CFG, wrong, '--work-dir', work], ['wrong.pth', 'no key of it fits']),
        ([TINY_CFG, extra, '--work-dir', work], ['unexpected keys: head.bias', '--lenient']),
        ([TINY_CFG, truncated, '--work-dir', work], ['truncated.pth', 'corrupt']),
        ([TINY_CFG, malicious, '--work-dir', work], ['malicious.pth', 'unsafe']),
        ([TINY_CFG, tiny_ckpt, '--work-dir', work, '--out', existing],
         ['preds.pkl: exists', '--overwrite']),
        ([TINY_CFG, tiny_ckpt, '--work-dir', work, '--out', a_file / 'p.pkl'],
         ['is a file, not a folder']),
        ([TINY_CFG, tiny_ckpt, '--work-dir', a_file / 'w'], ['--work-dir', 'is a file']),
        ([TINY_CFG, tiny_ckpt, '--work-dir', work, '--show-dir', a_file / 'vis'],
         ['--show-dir', 'is a file']),
        ([TINY_CFG, tiny_ckpt, '--work-dir', work, '--cfg-options',
          'test_dataloader.batch_size=-1'], ['batch_size=-1', '>= 1']),
        (['configs/demo/demo_det_train.py', tiny_ckpt, '--work-dir', work, '--cfg-options',
          f'{scene_key}={enhance_ckpt}'], [f'scene_checkpoint {enhance_ckpt}', 'does not match']),
    ]
    results = probe_many('test.py', [args for args, _ in probes] + [
        [TINY_CFG, extra, '--work-dir', work, '--lenient', '--out', tmp_path / 'new.pkl']])
    for (_args, needles), proc in zip(probes, results):
        one_error(proc, *needles)
    assert not (tmp_path / 'pwned').exists()
    assert results[-1].returncode == 0, results[-1].stderr
    assert 'loaded leniently' in results[-1].stderr
    after = digest(tmp_path)
    preds = after.pop(str(tmp_path / 'new.pkl'))
    assert preds and {k: v for k, v in after.items() if not k.startswith(str(work))} == before
    assert len(load_pickle(tmp_path / 'new.pkl')) == 16
    assert not [p for p in os.listdir(tmp_path) if '.tmp' in p]


# --- 4. crash-safe checkpoints -------------------------------------------------------------


# --- 8. DARK FACE labels; 7. labels in Latin-1 / UTF-16 ------------------------------------


def test_non_utf8_label_file_is_one_line_naming_it(tmp_path) -> None:
    """Issue 15.7: a Latin-1 / UTF-16 label file gave a UnicodeDecodeError traceback
    without the file; now one line naming it (the tool's run_tool)."""
    from tests.helpers.data import make_darkface
    probes, labels = [], []
    for encoding in ('utf-16', 'latin-1'):
        root = Path(make_darkface(tmp_path / encoding))
        cfg = tmp_path / f'{encoding}.py'
        cfg.write_text(f"default_scope = 'mmdet'\ncustom_imports = dict(imports=['mmruas'])\n"
                       f"test_dataloader = dict(dataset=dict(type='DarkFaceDataset', "
                       f"data_root={str(root)!r}, test_mode=True, pipeline=[]))\n")
        labels.append(root / 'label' / '2.txt')
        labels[-1].write_bytes('1\n5 6 25 33 é\n'.encode(encoding))
        pkl = tmp_path / f'{encoding}.pkl'
        pkl.write_bytes(pickle.dumps([]))
        probes.append([cfg, pkl, '--out', tmp_path / f'{encoding}.png'])
    before = digest(tmp_path)
    for proc, label in zip(probe_many('analysis_tools/plot_pr.py', probes), labels):
        one_error(proc, str(label), 'not utf-8 text')
    assert digest(tmp_path) == before


# --- 6. the probe matrix, per tool ---------------------------------------------------------

def test_enhance_probes(enhance_ckpt: Path, tiny_ckpt: Path, tmp_path: Path) -> None:
    """enhance.py: bad paths, bad types, wrong checkpoints, existing outputs (15.5, 15.7)."""
    src = tmp_path / 'low'
    dark_png(src / 'a.png')
    a_file = tmp_path / 'file'
    a_file.write_text('x')
    done = tmp_path / 'done'
    done.mkdir()
    (done / 'a.png').write_bytes(b'an earlier result')
    truncated = tmp_path / 'truncated.pth'
    truncated.write_bytes(enhance_ckpt.read_bytes()[:300])
    malicious = tmp_path / 'malicious.pth'
    torch.save({'state_dict': {}, 'x': Evil(tmp_path / 'pwned')}, malicious)
    before = digest(tmp_path)
    common = [ENHANCE_CFG, enhance_ckpt, src]
    probes = [
        ([*common, a_file / 'out'], ['is a file, not a folder']),
        ([*common, a_file], ['exists and is not a folder']),
        ([*common, done], ['1 output(s) exist', 'done/a.png', '--overwrite']),
        ([*common, tmp_path / 'o', '--cfg-options', 'model.scene.variant=RUAS_X'],
         ["unknown RUAS variant 'RUAS_X'"]),
        ([*common, tmp_path / 'o', '--cfg-options', 'model.scene.variant=3'],
         ['expected a string']),
        ([ENHANCE_CFG, tiny_ckpt, src, tmp_path / 'o'], ['tiny.pth', 'no key of it fits']),
        ([ENHANCE_CFG, truncated, src, tmp_path / 'o'], ['truncated.pth', 'corrupt']),
        ([ENHANCE_CFG, malicious, src, tmp_path / 'o'], ['malicious.pth', 'unsafe']),
        ([ENHANCE_CFG, tmp_path / 'none.pth', src, tmp_path / 'o'], ['none.pth']),
    ]
    for (_args, needles), proc in zip(probes, probe_many(
            'enhance.py', [[*a, '--device', 'cpu'] for a, _ in probes])):
        one_error(proc, *needles)
    assert digest(tmp_path) == before and not (tmp_path / 'o').exists()


def test_train_probes(tiny_ckpt: Path, enhance_ckpt: Path, tmp_path: Path) -> None:
    """train.py (15.7): --cfg-options of the wrong type, truncated / malicious --resume,
    load_from and scene_checkpoint, a work dir under a file, an empty training folder, a
    corrupt training image (--check-images); nothing written, inputs unchanged."""
    truncated = tmp_path / 'truncated.pth'
    truncated.write_bytes(tiny_ckpt.read_bytes()[:200])
    malicious = tmp_path / 'malicious.pth'
    torch.save({'state_dict': {}, 'x': Evil(tmp_path / 'pwned')}, malicious)
    a_file = tmp_path / 'file'
    a_file.write_text('x')
    empty = tmp_path / 'empty'
    empty.mkdir()
    images = tmp_path / 'images'
    dark_png(images / 'good.png')
    (images / 'bad.png').write_bytes(b'\x89PNG\r\n\x1a\n truncated')
    work = tmp_path / 'work'
    before = digest(tmp_path)
    demo = 'configs/demo/ruas_demo.py'
    det = 'configs/demo/demo_det_train.py'
    scene_key = 'model.data_preprocessor.scene_checkpoint'
    probes = [
        ([TINY_CFG, '--cfg-options', 'train_cfg.max_iters=abc'], ['max_iters', 'integer']),
        ([TINY_CFG, '--cfg-options', 'train_cfg.max_iters=2.5'], ['max_iters=2.5']),
        ([TINY_CFG, '--cfg-options', 'optim_wrapper.optimizer.lr=fast'], ["lr='fast'"]),
        ([TINY_CFG, '--cfg-options', 'train_dataloader.batch_size=-1'], ['>= 1']),
        ([TINY_CFG, '--resume', truncated], ['--resume checkpoint', 'truncated.pth']),
        ([TINY_CFG, '--resume', malicious], ['malicious.pth', 'unsafe']),
        ([TINY_CFG, '--cfg-options', f'load_from={truncated}'], ['load_from', 'truncated']),
        ([det, '--cfg-options', f'{scene_key}={malicious}'], [scene_key, 'unsafe']),
        ([det, '--cfg-options', f'{scene_key}={truncated}'], [scene_key, 'corrupt']),
        ([demo, '--cfg-options', f'train_dataloader.dataset.data_root={empty}'],
         [str(empty)]),
        ([demo, '--check-images', '--cfg-options',
          f'train_dataloader.dataset.data_root={images}'], ['1 of 2', 'bad.png']),
    ]
    results = probe_many('train.py', [[*a, '--work-dir', work] for a, _ in probes]
                         + [[TINY_CFG, '--work-dir', a_file / 'w']])
    for (_, needles), proc in zip(probes, results):
        one_error(proc, *needles)
    one_error(results[-1], '--work-dir', 'is a file')
    assert not (tmp_path / 'pwned').exists()
    assert not work.exists() and digest(tmp_path) == before


def test_small_tool_probes(enhance_ckpt: Path, tmp_path: Path) -> None:
    """convert_released_ruas.py, benchmark.py, plot_alpha.py (15.7): OUT a folder, under a
    file or existing; a truncated checkpoint; a missing or non-search folder."""
    src = tmp_path / 'released.pt'
    torch.save({'enhance_net.x': torch.zeros(1)}, src)
    a_file = tmp_path / 'file'
    a_file.write_text('x')
    existing = tmp_path / 'existing.pth'
    existing.write_bytes(b'keep')
    truncated = tmp_path / 'truncated.pth'
    truncated.write_bytes(enhance_ckpt.read_bytes()[:300])
    (tmp_path / 'folder').mkdir()
    (tmp_path / 'bench.json').write_text('{}')
    (tmp_path / 'broken').mkdir()
    (tmp_path / 'broken' / 'alpha_history.json').write_text('[{"iter": 1')
    before = digest(tmp_path)
    runs = [
        ('convert_released_ruas.py', [src, tmp_path / 'folder'], ['is a folder']),
        ('convert_released_ruas.py', [src, a_file / 'o.pth'], ['is a file, not a folder']),
        ('convert_released_ruas.py', [src, existing], ['existing.pth: exists']),
        ('analysis_tools/benchmark.py', [ENHANCE_CFG, '--checkpoint', truncated, '--shape',
                                         '8', '8', '--iters', '1', '--warmup', '0'],
         ['truncated.pth', 'corrupt']),
        ('analysis_tools/benchmark.py', [ENHANCE_CFG, '--out', tmp_path / 'bench.json'],
         ['bench.json: exists']),
        ('analysis_tools/plot_alpha.py', [tmp_path / 'missing'], ['no such folder']),
        ('analysis_tools/plot_alpha.py', [tmp_path / 'folder'], ['not a search work dir']),
        ('analysis_tools/plot_alpha.py', [tmp_path / 'broken'], ['not readable JSON']),
    ]
    for tool in dict.fromkeys(t for t, _, _ in runs):      # one process per tool
        mine = [(args, needles) for t, args, needles in runs if t == tool]
        for (_, needles), proc in zip(mine, probe_many(tool, [a for a, _ in mine])):
            one_error(proc, *needles)
    assert digest(tmp_path) == before
    assert not [p for p in os.listdir(tmp_path) if 'tmp' in p]
