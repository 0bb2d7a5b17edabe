"""Issue 20 (one output path): verified video writes, outputs checked against every input
by inode, data-derived names kept inside the output folder, lol5_table's exclusive claim,
plot_alpha's malformed histories, the umask's mode, and the Python API's ValueErrors."""
from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from mmruas.utils.cli import ToolError
from mmruas.utils.safe_io import atomic_write_bytes, check_not_inputs, safe_name
from tests.helpers import REPO
from tests.helpers.models import ENHANCE_CFG, random_enhancer_checkpoint
from tests.helpers.tools import load_tool, one_error


def test_check_not_inputs_by_inode(tmp_path: Path) -> None:
    """20.2's helper: a hard or symbolic link to an input under the output name is refused."""
    src = tmp_path / 'a.png'
    src.write_bytes(b'x')
    os.link(src, tmp_path / 'hard.png')
    os.symlink(src, tmp_path / 'soft.png')
    for out in ('a.png', 'hard.png', 'soft.png'):
        with pytest.raises(ToolError, match='would overwrite the input'):
            check_not_inputs(str(tmp_path / out), [str(src)])
    check_not_inputs(str(tmp_path / 'new.png'), [str(src)])


@pytest.mark.parametrize('name', ['/abs/cell', '../../up', '..', '.hidden', 'a/b\\c', ''])
def test_safe_name_stays_inside(tmp_path: Path, name: str) -> None:
    """20.3's helper: an absolute name, ``..`` or separators never leave the folder."""
    out = safe_name(name)
    assert out and '/' not in out and '\\' not in out and not out.startswith('.')
    assert (tmp_path / out).resolve().parent == tmp_path.resolve()


def test_written_files_get_the_umask_mode(tmp_path: Path) -> None:
    """20 minor: the temp-file writer left mode 0600 whatever the umask."""
    old = os.umask(0o022)
    try:
        atomic_write_bytes(str(tmp_path / 'a.bin'), b'x')
        os.umask(0o077)
        atomic_write_bytes(str(tmp_path / 'b.bin'), b'x')
    finally:
        os.umask(old)
    assert (tmp_path / 'a.bin').stat().st_mode & 0o777 == 0o644
    assert (tmp_path / 'b.bin').stat().st_mode & 0o777 == 0o600


def enospc(*_a, **_k):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def noise_video(path: Path, n: int = 30, size=(64, 48)) -> None:
    """``n`` frames of noise (MJPEG): each frame takes a few kB, so a small file-size limit
    cuts the video short."""
    rng = np.random.default_rng(0)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'MJPG'), 10.0, size)
    for _ in range(n):
        writer.write(rng.integers(0, 80, (size[1], size[0], 3), dtype=np.uint8))
    writer.release()


def disk_full_after(limit: int) -> None:
    """In this process: writes beyond ``limit`` bytes of a file fail (EFBIG), as on a
    full disk; SIGXFSZ ignored so that the write fails instead of killing the process."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))


@contextlib.contextmanager
def small_disk(limit: int = 20000):
    """:func:`disk_full_after` for the block only."""
    old_sig = signal.getsignal(signal.SIGXFSZ)
    old = resource.getrlimit(resource.RLIMIT_FSIZE)
    disk_full_after(limit)
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, old)
        signal.signal(signal.SIGXFSZ, old_sig)


@pytest.fixture(scope='module')
def enhance_ckpt(tmp_path_factory) -> Path:
    return random_enhancer_checkpoint(tmp_path_factory)


# --- 20.1: a video is read back before it takes its name ------------------------------------

def test_video_full_disk_keeps_the_old_video(tmp_path: Path, one_thread) -> None:
    """20.1: VideoWriter does not report a full disk; enhance_video returned 30 and, with
    overwrite, replaced a good video by a truncated one."""
    from mmruas.apis import enhance_video
    from mmruas.scene import RUAS
    torch.manual_seed(0)
    model = RUAS('RUAS_S').eval()
    src, dst = tmp_path / 'in' / 'v.avi', tmp_path / 'out' / 'v.avi'
    src.parent.mkdir()
    dst.parent.mkdir()
    noise_video(src)
    noise_video(dst, n=2)
    before = sha(dst)
    with small_disk(), pytest.raises(ValueError, match=r'holds \d+ of 30 frames'):
        enhance_video(model, str(src), str(dst), overwrite=True)
    assert sha(dst) == before
    assert sorted(p.name for p in dst.parent.iterdir()) == ['v.avi']     # no temp left
    assert enhance_video(model, str(src), str(dst), overwrite=True) == 30


def test_enhance_tool_video_full_disk(enhance_ckpt: Path, tmp_path: Path) -> None:
    """20.1 through the real entry point: exit 2, one error line, the old video kept."""
    src, out = tmp_path / 'in' / 'v.avi', tmp_path / 'out'
    src.parent.mkdir()
    out.mkdir()
    noise_video(src)
    noise_video(out / 'v.avi', n=2)
    before = sha(out / 'v.avi')
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS='1', MKL_NUM_THREADS='1',
               PYTHONWARNINGS='ignore', PYTHONDONTWRITEBYTECODE='1')
    proc = subprocess.run(
        [sys.executable, str(REPO / 'tools' / 'enhance.py'), str(ENHANCE_CFG), str(enhance_ckpt),
         str(src), str(out), '--overwrite', '--device', 'cpu'],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300,
        preexec_fn=lambda: disk_full_after(20000))
    one_error(proc, 'v.avi', 'of 30 frames')
    assert sha(out / 'v.avi') == before
    assert sorted(p.name for p in out.iterdir()) == ['v.avi']
    assert sorted(p.name for p in tmp_path.iterdir()) == ['in', 'out']  # no work_dirs/


# --- minor points of 20: the Python API's errors ----------------------------------------------

def test_api_value_errors(tmp_path: Path) -> None:
    """tile=0 ran untiled silently; a missing output folder raised ToolError (documented:
    ValueError); malformed tensors gave IndexError / convolution messages."""
    from mmruas.apis import enhance, enhance_video
    from mmruas.scene import RUAS
    model = RUAS('RUAS_S').eval()
    with pytest.raises(ValueError, match='tile'):
        enhance(model, torch.rand(3, 8, 8), tile=0)
    for bad in (torch.rand(8, 8), torch.rand(5), torch.rand(1, 8, 8), torch.rand(1, 1, 3, 8, 8),
                torch.rand(3, 0, 8), np.zeros((0, 8, 3), np.uint8)):
        with pytest.raises(ValueError, match='expected'):
            enhance(model, bad)
    src = tmp_path / 'v.avi'
    noise_video(src, n=2)
    with pytest.raises(ValueError, match='does not exist'):
        enhance_video(model, str(src), str(tmp_path / 'missing' / 'o.avi'))
    with pytest.raises(ValueError, match='tile'):
        enhance_video(model, str(src), str(tmp_path / 'o.avi'), tile=0)
    assert not (tmp_path / 'o.avi').exists()


def test_webm_is_a_video(tmp_path: Path, one_thread) -> None:
    """A .webm input was reported as "cannot read image": it is enhanced as a video."""
    from mmruas.apis import enhance_video, is_video
    from mmruas.apis.video import count_frames
    from mmruas.scene import RUAS
    assert is_video('clip.WEBM')
    src = tmp_path / 'v.avi'
    noise_video(src, n=3)
    assert enhance_video(RUAS('RUAS_S').eval(), str(src), str(tmp_path / 'v.webm')) == 3
    assert count_frames(str(tmp_path / 'v.webm')) == (3, (64, 48))


# --- 20.3 / 20.16: plot_alpha -----------------------------------------------------------------


def run_main(mod, argv: list[str], capsys) -> tuple[int, str]:
    """``mod.main(argv)`` under the error boundary: (exit status, stderr)."""
    from mmruas.utils.cli import run_tool
    with pytest.raises(SystemExit) as exc:
        run_tool(lambda: mod.main(argv))
    return exc.value.code, capsys.readouterr().err


def one_line(code: int, err: str, *needles: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1 and lines[0].startswith('error: '), err[-2000:]
    for needle in needles:
        assert needle in lines[0], lines[0]


def history(work: Path, entries: list) -> None:
    import json
    work.mkdir(exist_ok=True)
    (work / 'alpha_history.json').write_text(json.dumps(entries))


A = np.random.default_rng(0).normal(size=(7, 3)).tolist()


def test_plot_alpha_cell_names_stay_inside_out(tmp_path: Path, capsys) -> None:
    """20.3: a cell named by an absolute path (or with ``..``) was written outside --out."""
    mod = load_tool('analysis_tools/plot_alpha.py')
    victim = tmp_path / 'victim'
    history(tmp_path / 'work', [dict(iter=3, ended='scene', alphas={
        str(victim): A, '../../up/x': (np.asarray(A) + 1).tolist(), 'ok.0': [[0.0, 1.0]]})])
    (tmp_path / 'victim_iter3.png').write_bytes(b'keep')
    out = tmp_path / 'out'
    code, err = run_main(mod, [str(tmp_path / 'work'), '--out', str(out), '--overwrite'], capsys)
    assert (tmp_path / 'victim_iter3.png').read_bytes() == b'keep'
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ['out', 'victim_iter3.png', 'work']
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 6 and all(p.is_file() for p in out.iterdir()), names
    assert 'ok_0_iter3.png' in names and 'ok_0_trajectory.png' in names


@pytest.mark.parametrize('entries,needle', [
    ([dict(iter=1, ended='scene', alphas={'c': [0.1, 0.2]})], "cell 'c': α must be a 2-D"),
    ([dict(iter=1, ended='scene', alphas={'c': 'abc'})], "cell 'c'"),
    ([dict(iter=1, ended='scene', alphas={'c': [[0.1, 0.2], [0.3]]})], 'ragged'),
    ([dict(iter=1, alphas={'c': A})], '"ended"'),
    ([dict(iter=1, ended='task', alphas={'c': A}),
      dict(iter=2, ended='scene', alphas={'c': [[0.0, 1.0]]})], 'changes shape'),
    ([dict(iter=1, ended='task', alphas={'d': A}),
      dict(iter=2, ended='scene', alphas={'c': A, 'd': A})], "lacks the cell 'c'"),
], ids=['1d', 'string', 'ragged', 'no-ended', 'shape', 'missing-cell'])
def test_plot_alpha_malformed_history_is_one_line(tmp_path: Path, capsys, entries,
                                                  needle: str) -> None:
    """20.16: six tracebacks; now one error line naming the file and what is wrong."""
    mod = load_tool('analysis_tools/plot_alpha.py')
    history(tmp_path / 'work', entries)
    code, err = run_main(mod, [str(tmp_path / 'work'), '--out', str(tmp_path / 'out')], capsys)
    one_line(code, err, 'alpha_history.json', needle)
    assert not list((tmp_path / 'out').glob('*')) if (tmp_path / 'out').exists() else True


# --- 20.5: lol5_table writes through the one writer -------------------------------------------

@pytest.fixture()
def lol(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    for sub in ('low', 'high'):
        (tmp_path / 'lol' / sub).mkdir(parents=True)
        for name in ('1.png', '2.png'):
            cv2.imwrite(str(tmp_path / 'lol' / sub / name),
                        rng.integers(0, 255, (16, 16, 3), dtype=np.uint8))
    return tmp_path / 'lol'


def test_lol5_table_claims_exclusively(lol: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    """20.5: two runs without --overwrite both exited 0 and one table replaced the other."""
    mod = load_tool('analysis_tools/lol5_table.py')
    out = tmp_path / 'out'
    load_pairs = mod.load_pairs

    def other_run_finishes_first(path):      # after this run's early check for table.md
        out.mkdir(exist_ok=True)
        (out / 'table.md').write_text('the other run')
        return load_pairs(path)

    monkeypatch.setattr(mod, 'load_pairs', other_run_finishes_first)
    assert mod.main(['--lol', str(lol), '--out', str(out)]) == 2
    one_line(2, capsys.readouterr().err, 'table.md')
    assert (out / 'table.md').read_text() == 'the other run'
    assert sorted(p.name for p in out.iterdir()) == ['table.md']


def test_lol5_table_full_disk(lol: Path, tmp_path: Path, capsys) -> None:
    """20.5: a full disk printed the errno without the file and left table.md.tmpPID."""
    mod = load_tool('analysis_tools/lol5_table.py')
    out = tmp_path / 'out'
    out.mkdir()
    with small_disk(100):
        code = mod.main(['--lol', str(lol), '--out', str(out)])
    one_line(code, capsys.readouterr().err, str(out / 'table.md'))
    assert list(out.iterdir()) == []
    umask = os.umask(0)
    os.umask(umask)
    assert mod.main(['--lol', str(lol), '--out', str(out)]) == 0
    assert (out / 'table.md').stat().st_mode & 0o777 == 0o666 & ~umask


# --- 20.2: plot_pr's --out against every file of the data set ---------------------------------

def test_plot_pr_never_replaces_a_data_set_file(tmp_path: Path, capsys) -> None:
    """20.2: ``--out <an image the data set reads> --overwrite`` replaced the image (only the
    config and pickles were compared); a hard link to a label file under a .png name too."""
    from mmdet.evaluation import DumpDetResults

    from tests.helpers.data import make_darkface, metric_samples
    root = Path(make_darkface(tmp_path / 'df'))
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(f"default_scope = 'mmdet'\ncustom_imports = dict(imports=['mmruas'])\n"
                   f"test_dataloader = dict(dataset=dict(type='DarkFaceDataset', "
                   f"data_root={str(root)!r}, test_mode=True, pipeline=[]))\n")
    pkl = tmp_path / 'good.pkl'
    dump = DumpDetResults(out_file_path=str(pkl))
    dump.process({}, metric_samples(str(root), 0.0))
    dump.evaluate(3)
    os.link(root / 'label' / '2.txt', tmp_path / 'label_link.png')
    mod = load_tool('analysis_tools/plot_pr.py')
    before = {p: sha(p) for p in root.rglob('*') if p.is_file()}
    for out, needle in ((root / 'image' / '1.png', '1.png'),
                        (tmp_path / 'label_link.png', '2.txt')):
        code, err = run_main(mod, [str(cfg), str(pkl), '--out', str(out), '--overwrite'], capsys)
        one_line(code, err, 'would overwrite the input', needle)
    assert {p: sha(p) for p in root.rglob('*') if p.is_file()} == before
    assert run_main(mod, [str(cfg), str(pkl), '--out', str(tmp_path / 'pr.png')], capsys)[0] == 0


def test_enhance_tool_other_video_container_is_one_line(enhance_ckpt: Path, tmp_path: Path,
                                                        monkeypatch, capsys) -> None:
    """A video container the tool does not write (.flv) was "cannot read image"."""
    mod = load_tool('enhance.py')
    (tmp_path / 'in').mkdir()
    (tmp_path / 'in' / 'clip.flv').write_bytes(b'FLV\x01')
    monkeypatch.setattr(sys, 'argv', ['enhance.py', str(ENHANCE_CFG), str(enhance_ckpt),
                                      str(tmp_path / 'in' / 'clip.flv'), str(tmp_path / 'out'),
                                      '--device', 'cpu'])
    code, err = run_main(type('M', (), {'main': staticmethod(lambda _argv: mod.main())}),
                         [], capsys)
    one_line(code, err, 'clip.flv', 'unsupported video container')
    assert not (tmp_path / 'out').exists()
