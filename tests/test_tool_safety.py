"""Tools never run foreign code, never lose or silently replace data, and fail with one line.

Issue 15's probe matrix: per tool, bad paths, bad types, corrupt or malicious files,
existing outputs and interrupted writes end with exit status 2, exactly one ``error:``
line on stderr, and inputs byte-identical afterwards. Subprocesses only where the command
line is the point; probes of one tool share a process where they can.
"""
from __future__ import annotations

import hashlib
import io
import os
import os.path as osp
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from mmruas.utils.cli import ToolError
from mmruas.utils.safe_io import atomic_path, atomic_write_bytes, check_new_output
from mmruas.utils.safe_pickle import UnsafePickleError, load_pickle, loads_pickle

REPO = Path(__file__).resolve().parents[1]


def run_tool(tool: str, *args, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS='1', MKL_NUM_THREADS='1',
               PYTHONWARNINGS='ignore')
    return subprocess.run([sys.executable, str(REPO / 'tools' / tool), *map(str, args)],
                          capture_output=True, text=True, env=env, cwd=cwd or REPO,
                          timeout=300)


def one_error(proc: subprocess.CompletedProcess, *needles: str) -> str:
    """Assert exit 2 and exactly one stderr line, ``error: ...`` containing ``needles``."""
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert len(lines) == 1, proc.stderr[-3000:]
    assert lines[0].startswith('error: '), lines[0]
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def digest(*paths) -> dict[str, str]:
    """sha256 of every file under ``paths`` (to check inputs stay byte-identical)."""
    out = {}
    for root in map(Path, paths):
        files = [root] if root.is_file() else sorted(p for p in root.rglob('*') if p.is_file())
        out.update({str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in files})
    return out


class Evil:
    """A pickle whose loading would create ``target`` (``os.system('touch ...')``)."""

    def __init__(self, target: Path) -> None:
        self.target = target

    def __reduce__(self):
        return os.system, (f'touch {self.target}',)


class EvilStorage:
    """A tensor-storage record whose bytes hold an :class:`Evil` torch.save payload."""

    def __init__(self, target: Path) -> None:
        self.target = target

    def __reduce__(self):
        import torch.storage
        buf = io.BytesIO()
        torch.save([Evil(self.target)], buf)
        return torch.storage._load_from_bytes, (buf.getvalue(),)


# --- 1. pickles: one restricted unpickler -------------------------------------------------

def detection_dump() -> list[dict]:
    """What ``tools/test.py --out`` writes for a detector (DumpDetResults' samples)."""
    from mmdet.structures import DetDataSample
    from mmengine.evaluator.metric import _to_cpu
    from mmengine.structures import InstanceData

    sample = DetDataSample(metainfo=dict(
        img_path='a.png', img_id=0, ori_shape=(16, 16), img_shape=(16, 16),
        scale_factor=(1.0, 1.0), flip=False, flip_direction=None,
        homography_matrix=np.eye(3, dtype=np.float32)))
    pred = InstanceData()
    pred.bboxes = torch.rand(2, 4)
    pred.scores = torch.rand(2)
    pred.labels = torch.zeros(2, dtype=torch.long)
    sample.pred_instances = pred
    return _to_cpu([sample.to_dict()])


@pytest.mark.parametrize('protocol', [2, 4, 5])
def test_restricted_unpickler_reads_prediction_dumps(protocol: int) -> None:
    dump = detection_dump() + [{'pred': torch.arange(3.0), 'x': np.float64(2.5),
                                'n': np.int64(3), 'dtype': torch.float16, 'set': {1, 2},
                                'raw': b'\x00\xff', 'shape': torch.Size([2])}]
    back = loads_pickle(pickle.dumps(dump, protocol=protocol))
    assert torch.equal(back[0]['pred_instances']['bboxes'], dump[0]['pred_instances']['bboxes'])
    assert back[0]['pred_instances']['labels'].dtype == torch.long
    assert np.array_equal(back[0]['homography_matrix'], np.eye(3))
    assert back[0]['scale_factor'] == (1.0, 1.0) and back[0]['img_path'] == 'a.png'
    assert {k: v for k, v in back[1].items() if k != 'pred'} == {
        k: v for k, v in dump[1].items() if k != 'pred'}
    assert torch.equal(back[1]['pred'], torch.arange(3.0))


@pytest.mark.parametrize('payload', [Evil, EvilStorage])
def test_restricted_unpickler_runs_nothing(payload, tmp_path: Path) -> None:
    target = tmp_path / 'pwned'
    path = tmp_path / 'evil.pkl'
    path.write_bytes(pickle.dumps([{'pred_instances': payload(target)}], protocol=2))
    with pytest.raises((UnsafePickleError, ValueError)):
        load_pickle(path)
    assert not target.exists()


def test_plot_pr_malicious_dump_runs_nothing(tmp_path: Path) -> None:
    """Issue 15.1: plot_pr ran a dump's ``__reduce__`` (touched a file), then said
    "not a detection dump"; now nothing runs: one error line, exit 2, no PNG."""
    from tests.test_darkface import make_darkface

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
