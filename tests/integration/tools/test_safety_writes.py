"""Issue 15, in-process: the restricted unpickler, atomic writes, tools/enhance.py's writes
(failed, racing, existing, non-finite, EXIF-rotated), crash-safe checkpoints, DARK FACE
labels. The command-line probe matrix is in tests/integration/tools/test_tool_safety.py."""
from __future__ import annotations

import os
import pickle
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from mmruas.utils.cli import ToolError
from mmruas.utils.safe_io import atomic_path, atomic_write_bytes, check_new_output
from mmruas.utils.safe_pickle import UnsafePickleError, load_pickle, loads_pickle
from tests.helpers import REPO  # noqa: F401
from tests.helpers.models import ENHANCE_CFG, random_enhancer_checkpoint  # noqa: F401
from tests.helpers.tools import TINY_CFG, Evil, EvilStorage, dark_png, digest, load_tool, run_tool  # noqa: F401


@pytest.fixture(scope='module')
def enhance_ckpt(tmp_path_factory) -> Path:
    return random_enhancer_checkpoint(tmp_path_factory)


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


def test_atomic_write_never_replaces_and_leaves_no_temp(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / 'a.bin'
    atomic_write_bytes(str(path), b'first')
    with pytest.raises(ToolError, match='created by someone else'):
        atomic_write_bytes(str(path), b'second')          # a concurrent run's name
    assert path.read_bytes() == b'first'
    atomic_write_bytes(str(path), b'third', overwrite=True)
    assert path.read_bytes() == b'third'
    # a write failing half-way (full disk) leaves the old file and no temporary file
    with pytest.raises(RuntimeError), atomic_path(str(path), overwrite=True) as tmp:
        Path(tmp).write_bytes(b'half')
        raise RuntimeError('killed')
    assert path.read_bytes() == b'third' and os.listdir(tmp_path) == ['a.bin']
    with pytest.raises(ToolError, match='exists; refusing'):
        check_new_output(str(path))
    with pytest.raises(ToolError, match='is a file, not a folder'):
        check_new_output(str(path / 'x.png'))
    os.link(path, tmp_path / 'link.bin')
    with pytest.raises(ToolError, match='overwrite the input'):
        check_new_output(str(tmp_path / 'link.bin'), overwrite=True, inputs=[str(path)])


def enhance_main(monkeypatch, *argv) -> int:
    """tools/enhance.py's ``main`` in this process (its ToolError propagates)."""
    tool = load_tool('enhance.py')
    monkeypatch.setattr(sys, 'argv', ['enhance.py', str(ENHANCE_CFG), *map(str, argv),
                                      '--device', 'cpu'])
    return tool.main()


def test_enhance_failed_write_is_counted_not_silent(enhance_ckpt, tmp_path, monkeypatch,
                                                    capsys, one_thread) -> None:
    """Issue 15.2: into a read-only folder / full disk, enhance said "2 written, 0 failed"
    and exited 0 (``cv2.imwrite``'s False ignored); now each failed write is named."""
    src = tmp_path / 'low'
    dark_png(src / 'a.png', 0)
    dark_png(src / 'b.png', 1)
    real_fsync = os.fsync

    def full_disk(fd):
        raise OSError(28, 'No space left on device')

    monkeypatch.setattr(os, 'fsync', full_disk)
    assert enhance_main(monkeypatch, enhance_ckpt, src, tmp_path / 'out') == 1
    monkeypatch.setattr(os, 'fsync', real_fsync)
    captured = capsys.readouterr()
    assert '0 image(s) written' in captured.out and '2 failed' in captured.out
    assert captured.err.count('No space left on device') == 2
    assert os.listdir(tmp_path / 'out') == []          # no partial file, no temporary file


def test_enhance_outputs_safety(enhance_ckpt, tmp_path, monkeypatch, capsys,
                                one_thread) -> None:
    """Issue 15.5: existing outputs replaced silently, a hard link to an input overwritten,
    concurrent runs losing a result; now refused (or not replaced) with one line."""
    src = tmp_path / 'low'
    dark_png(src / 'a.png', 0)
    before = digest(src)
    out = tmp_path / 'out'
    assert enhance_main(monkeypatch, enhance_ckpt, src, out) == 0
    first = (out / 'a.png').read_bytes()
    (out / 'a.png').write_bytes(b'keep me')
    with pytest.raises(ToolError, match=r'1 output\(s\) exist.*--overwrite'):
        enhance_main(monkeypatch, enhance_ckpt, src, out)
    assert (out / 'a.png').read_bytes() == b'keep me'
    assert enhance_main(monkeypatch, enhance_ckpt, src, out, '--overwrite') == 0
    assert (out / 'a.png').read_bytes() == first
    # a hard link to the input under the output name: refused even with --overwrite
    (out / 'a.png').unlink()
    os.link(src / 'a.png', out / 'a.png')
    with pytest.raises(ToolError, match='overwrite an input'):
        enhance_main(monkeypatch, enhance_ckpt, src, out, '--overwrite')
    assert digest(src) == before
    # a concurrent run wrote the same name after our check: ours fails, theirs is kept
    (out / 'a.png').unlink()
    tool_write = load_tool('enhance.py')

    def racing_enhance(*a, **k):
        (out / 'a.png').write_bytes(b'the other run')
        return tool_write.enhance(*a, **k)

    tool = load_tool('enhance.py')
    monkeypatch.setattr(tool, 'enhance', racing_enhance)
    monkeypatch.setattr(sys, 'argv', ['enhance.py', str(ENHANCE_CFG), str(enhance_ckpt),
                                      str(src), str(out), '--device', 'cpu'])
    capsys.readouterr()
    assert tool.main() == 1
    assert (out / 'a.png').read_bytes() == b'the other run'
    assert 'created by someone else' in capsys.readouterr().err
    assert sorted(os.listdir(out)) == ['a.png'] and digest(src) == before


def test_enhance_non_finite_output_is_an_error(tmp_path, monkeypatch, capsys,
                                               one_thread) -> None:
    """Issue 15.6: NaN weights gave all-black PNGs and exit 0; now that image fails."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from mmruas.registry import MODELS
    init_default_scope('mmruas')
    model = MODELS.build(Config.fromfile(str(ENHANCE_CFG)).model)
    state = {k: torch.full_like(v, float('nan')) if v.is_floating_point() else v
             for k, v in model.state_dict().items()}
    ckpt = tmp_path / 'nan.pth'
    torch.save({'state_dict': state}, ckpt)
    dark_png(tmp_path / 'low' / 'a.png')
    assert enhance_main(monkeypatch, ckpt, tmp_path / 'low', tmp_path / 'out') == 1
    assert 'non-finite (NaN/Inf)' in capsys.readouterr().err
    assert os.listdir(tmp_path / 'out') == []


def test_enhance_applies_exif_orientation(enhance_ckpt, tmp_path, monkeypatch,
                                          one_thread) -> None:
    """Issue 15.8: an EXIF-rotated JPEG (orientation 6: turn 90° clockwise to view) is
    enhanced as a viewer shows it: the 16×8 stored frame gives an 8×16 (H×W) result."""
    import cv2
    from PIL import Image as PILImage

    stored = np.zeros((8, 16, 3), np.uint8)
    stored[:, :8] = 50                                   # left half lit, as stored
    img = PILImage.fromarray(stored)
    exif = img.getexif()
    exif[0x0112] = 6
    (tmp_path / 'low').mkdir()
    img.save(tmp_path / 'low' / 'phone.jpg', exif=exif, quality=100)
    assert enhance_main(monkeypatch, enhance_ckpt, tmp_path / 'low', tmp_path / 'out') == 0
    out = cv2.imread(str(tmp_path / 'out' / 'phone.png'), cv2.IMREAD_UNCHANGED)
    assert out.shape == (16, 8, 3)
    # rotated clockwise: the stored left half is now the top half
    assert out[:8].mean() > out[8:].mean() + 5


def train_tiny(work_dir: Path, hook_type: str, max_iters: int = 4) -> None:
    """Train the tiny config in this process (checkpoint every 2 iterations, keep 1)."""
    from mmengine.config import Config
    from mmengine.runner import Runner

    import mmruas.engine.hooks.safe_checkpoint_hook  # noqa: F401  (registers the hook)
    cfg = Config.fromfile(str(REPO / TINY_CFG))
    cfg.work_dir = str(work_dir)
    cfg.train_cfg.max_iters = max_iters
    cfg.default_hooks.checkpoint.update(type=hook_type, max_keep_ckpts=1)
    cfg.custom_hooks = []
    cfg.log_level = 'WARNING'
    Runner.from_cfg(cfg).train()


def fail_second_save(monkeypatch) -> None:
    """The second checkpoint save writes part of the file, then fails (a full disk)."""
    import mmengine.runner.runner as runner_mod
    real, calls = runner_mod.save_checkpoint, []

    def save(checkpoint, filename, **kwargs):
        calls.append(filename)
        if len(calls) == 2:
            with open(filename, 'wb') as f:
                f.write(b'PK\x03\x04 half a checkpoint')
            raise OSError(28, 'No space left on device', filename)
        return real(checkpoint, filename, **kwargs)

    monkeypatch.setattr(runner_mod, 'save_checkpoint', save)


def test_stock_hook_loses_progress_on_failed_save(tmp_path, monkeypatch, one_thread) -> None:
    """Issue 15.4 on mmengine's CheckpointHook: the only complete checkpoint is gone."""
    fail_second_save(monkeypatch)
    with pytest.raises(OSError):
        train_tiny(tmp_path, 'CheckpointHook')
    assert not (tmp_path / 'iter_2.pth').exists()


def test_safe_hook_keeps_last_complete_checkpoint(tmp_path, monkeypatch, one_thread) -> None:
    """Issue 15.4: a save failing half-way leaves iter_2.pth and last_checkpoint usable,
    no debris; ``--resume`` continues from iteration 2. Without a usable last_checkpoint
    it falls back to the newest complete checkpoint and says so."""
    fail_second_save(monkeypatch)
    with pytest.raises(OSError):
        train_tiny(tmp_path, 'SafeCheckpointHook')
    monkeypatch.undo()
    assert sorted(p for p in os.listdir(tmp_path) if p.endswith('.pth') or p.startswith('.')
                  or p == 'last_checkpoint') == ['iter_2.pth', 'last_checkpoint']
    assert (tmp_path / 'last_checkpoint').read_text() == str(tmp_path / 'iter_2.pth')
    assert torch.load(tmp_path / 'iter_2.pth')['meta']['iter'] == 2
    # last_checkpoint names a deleted file; a truncated newer checkpoint lies beside
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'iter_6.pth'))
    (tmp_path / 'iter_4.pth').write_bytes(b'PK\x03\x04 truncated')
    proc = run_tool('train.py', TINY_CFG, '--work-dir', tmp_path, '--resume')
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f'resuming from the newest complete checkpoint {tmp_path / "iter_2.pth"}' \
        in proc.stdout
    assert 'resumed epoch: 0, iter: 2' in proc.stdout + proc.stderr
    assert torch.load(tmp_path / 'iter_4.pth')['meta']['iter'] == 4   # rewritten, complete


@pytest.mark.parametrize('text, where', [('1_0\n1 2 3 4\n', ':1: expected the face count'),
                                         ('1\n1_0 2 30 40\n', ':2: non-numeric field')])
def test_darkface_underscore_is_not_a_digit_separator(tmp_path, text, where) -> None:
    """Issue 15.8: ``int('1_0') == 10`` in Python, so a count ``1_0`` read as 10."""
    from mmruas.det.datasets import parse_darkface_label
    path = tmp_path / 'a.txt'
    path.write_text(text)
    with pytest.raises(ValueError, match=str(path) + where):
        parse_darkface_label(str(path))


def test_resume_falls_back_to_newest_complete_checkpoint(tmp_path) -> None:
    """Issue 15.4's second window: ``last_checkpoint`` empty (or missing) while a complete
    checkpoint exists; truncated newer ones are skipped."""
    from mmruas.utils.checkpoints import find_resume_checkpoint
    torch.save({'state_dict': {}, 'meta': {'iter': 2}}, tmp_path / 'iter_2.pth')
    torch.save({'state_dict': {}, 'meta': {'iter': 10}}, tmp_path / 'iter_10.pth')
    (tmp_path / 'iter_12.pth').write_bytes(b'')
    path, note = find_resume_checkpoint(str(tmp_path))
    assert path == str(tmp_path / 'iter_10.pth') and 'last_checkpoint is missing' in note
    (tmp_path / 'last_checkpoint').write_text('')
    path, note = find_resume_checkpoint(str(tmp_path))
    assert path == str(tmp_path / 'iter_10.pth') and 'last_checkpoint is empty' in note
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'iter_2.pth'))
    assert find_resume_checkpoint(str(tmp_path)) == (str(tmp_path / 'iter_2.pth'), '')
    for name in ('iter_2.pth', 'iter_10.pth'):
        (tmp_path / name).unlink()
    path, note = find_resume_checkpoint(str(tmp_path))
    assert path is None and 'no complete checkpoint' in note


def test_convert_interrupted_write_leaves_nothing(tmp_path, monkeypatch, capsys) -> None:
    """A write failing half-way (full disk) in convert_released_ruas.py: exit 2, one
    line, no OUT and no stray ``OUT.tmp`` (issue 15.5, 15.7); the source is unchanged."""
    from mmruas.utils.cli import run_tool as run_main
    from tests.helpers.models import enhancer, released_layout
    src = tmp_path / 'released.pt'
    torch.save(released_layout(enhancer('RUAS_A').scene), src)
    before = src.read_bytes()
    tool = load_tool('convert_released_ruas.py')

    def full_disk(obj, f, *args, **kwargs):     # the tool saves through a file object
        if hasattr(f, 'write'):
            f.write(b'PK\x03\x04 half')
        else:
            Path(f).write_bytes(b'PK\x03\x04 half')
        raise OSError(28, 'No space left on device')

    monkeypatch.setattr(tool.torch, 'save', full_disk)
    monkeypatch.setattr(sys, 'argv', ['convert', str(src), str(tmp_path / 'out.pth')])
    with pytest.raises(SystemExit) as exc:
        run_main(tool.main)
    err = capsys.readouterr().err.strip().splitlines()
    assert exc.value.code == 2 and len(err) == 1
    assert err[0].startswith('error: ') and 'out.pth' in err[0] and 'No space' in err[0]
    assert sorted(os.listdir(tmp_path)) == ['released.pt'] and src.read_bytes() == before
