"""Running and loading ``tools/`` scripts in the tests: ``run_tool`` / ``run`` /
``run_python`` (a subprocess: the real entry point), ``load_tool`` (the script as a module, to
call its ``main(argv)`` in-process), ``one_error`` (exit 2 and one ``error:`` line), the
malicious pickles of the safety probes, ``digest`` and ``free_port``."""
from __future__ import annotations

import hashlib
import importlib.util
import io
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np

from . import REPO
from .models import ENHANCE_CFG

ENHANCE_TOOL = str(REPO / 'tools' / 'enhance.py')


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


def load_tool(*parts: str):
    """A tool script (``tools/<parts>``: ``'enhance.py'``, ``'analysis_tools/plot_alpha.py'``
    or ``'analysis_tools', 'plot_alpha.py'``) as a module, to call its ``main(argv)``
    in-process; registered in ``sys.modules`` (dataclasses look their module up)."""
    name = f'_tool_{Path(parts[-1]).stem}'
    spec = importlib.util.spec_from_file_location(name, REPO.joinpath('tools', *parts))
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def dark_png(path: Path, seed: int = 0, shape=(16, 16, 3)) -> Path:
    import cv2
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), np.random.default_rng(seed).integers(0, 60, shape, np.uint8))
    return path


TINY_CFG = 'tests/data/configs/tiny_regression.py'



def run(tool: str, *args: str | Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``tools/<tool>`` from the repo root with the repo on PYTHONPATH."""
    full_env = dict(os.environ, PYTHONPATH=str(REPO), **(env or {}))
    cmd = ['bash'] if tool.endswith('.sh') else [sys.executable]
    return subprocess.run([*cmd, f'tools/{tool}', *map(str, args)], cwd=REPO, env=full_env,
                          capture_output=True, text=True)


def ok(proc: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    """Assert a tool succeeded, showing its stderr otherwise."""
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]



def run_python(*args: str, cwd: str | None = None) -> subprocess.CompletedProcess:
    """``python <args>`` with the repo on PYTHONPATH (tools/enhance.py and the analysis tools)."""
    # one OpenMP thread: busy CPUs (parallel test runs) make multi-thread convs crawl
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS='1')
    return subprocess.run([sys.executable, *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=300)


def in_process(tool: str, *args: str | Path) -> subprocess.CompletedProcess:
    """``tools/<tool>`` run as its entry point does (``run_tool(main)`` under ``sys.argv``),
    but in this process: the exit status, stdout and stderr as a ``CompletedProcess``, without
    a fresh interpreter importing torch and the OpenMMLab stack (seconds per call)."""
    import contextlib

    from mmruas.utils.cli import run_tool as run_entry_point
    mod = load_tool(*Path(tool).parts)
    argv = [str(REPO / 'tools' / tool), *map(str, args)]
    out, err = io.StringIO(), io.StringIO()
    saved = sys.argv
    sys.argv = argv
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                run_entry_point(mod.main)
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (exc.code is not None)
    finally:
        sys.argv = saved
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


def enhance(ckpt: str, src, out, *opts: str) -> subprocess.CompletedProcess:
    """``tools/enhance.py`` in this process (:func:`in_process`)."""
    return in_process('enhance.py', str(ENHANCE_CFG), ckpt, src, out, '--device', 'cpu', *opts)


def enhance_subprocess(ckpt: str, src, out, *opts: str) -> subprocess.CompletedProcess:
    """``tools/enhance.py`` as a user runs it: its own interpreter (the real entry point)."""
    return run_python(ENHANCE_TOOL, str(ENHANCE_CFG), ckpt, src, out, '--device', 'cpu', *opts)
