"""Issue 20: one error boundary for every tool (causes 7-9, 12-15).

``--cfg-options`` syntax and values (bounded where a size must be positive, finite where a
number must be), data set images that do not decode or do not fit, a full disk under the
checkpoints, and a weights-only ``--resume`` end with exit status 2 and exactly one
``error:`` line naming the key or file; no traceback. :func:`test_every_tool_has_the_boundary`
finds the tools by globbing, so a new tool is probed automatically.
"""
from __future__ import annotations

import argparse
import contextlib
import errno
import io
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from mmruas.utils.cli import DictAction, ToolError, config_errors, load_config, run_tool
from tests.helpers import REPO
from tests.helpers.tools import TINY_CFG, load_tool

TOOL_DIRS = ('tools', 'tools/analysis_tools', 'tools/deployment', 'tools/dataset_converters')
DEMO_CFG = 'configs/demo/ruas_demo.py'
ENV = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS='1', MKL_NUM_THREADS='1',
           PYTHONWARNINGS='ignore')


def tools() -> list[str]:
    """Every Python tool (relative to the repository), found by globbing."""
    return sorted(str(p.relative_to(REPO)) for d in TOOL_DIRS
                  for p in (REPO / d).glob('*.py') if not p.name.startswith('_'))


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


def assert_one_error(code: int, stderr: str, *needles: str) -> str:
    """Exit 2 and exactly one non-empty stderr line, ``error: ...`` holding ``needles``."""
    lines = error_lines(stderr)
    assert code == 2, stderr[-3000:]
    assert len(lines) == 1 and lines[0].startswith('error: '), stderr[-3000:]
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


# --- the entry point of every tool: --help, and a bad --cfg-options ----------------------

#: imports the stack once, then runs each tool file as ``__main__`` in a forked child (the
#: real entry point, real exit status and stderr, without one interpreter start per tool)
FORK_DRIVER = r"""
import json, os, runpy, sys, tempfile, traceback, warnings
warnings.simplefilter('ignore')
for name in ('mmruas', 'mmruas.utils.cli', 'mmdet', 'mmseg'):
    try:
        __import__(name)
    except ImportError:
        pass
runs, results, tmp = json.load(sys.stdin), [], tempfile.mkdtemp()
for tool, argv in runs:
    out, err = os.path.join(tmp, 'out'), os.path.join(tmp, 'err')
    sys.stdout.flush(); sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        os.dup2(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 1)
        os.dup2(os.open(err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 2)
        sys.argv, sys.path[0], code = [tool, *argv], os.path.dirname(tool), 0
        try:
            runpy.run_path(tool, run_name='__main__')
        except SystemExit as exc:
            if isinstance(exc.code, str):
                print(exc.code, file=sys.stderr)
            code = 1 if isinstance(exc.code, str) else (exc.code or 0)
        except BaseException:
            traceback.print_exc()
            code = 1
        sys.stdout.flush(); sys.stderr.flush()
        os._exit(code)
    status = os.waitpid(pid, 0)[1]
    with open(out) as f_out, open(err) as f_err:
        results.append([os.waitstatus_to_exitcode(status), f_out.read(), f_err.read()])
print(json.dumps(results))
"""


def run_forked(runs: list[tuple[str, list[str]]]) -> list[tuple[int, str, str]]:
    """``(exit status, stdout, stderr)`` of each ``(tool, argv)`` run as ``__main__``."""
    proc = subprocess.run([sys.executable, '-c', FORK_DRIVER], cwd=REPO, env=ENV,
                          input=json.dumps([[str(REPO / t), a] for t, a in runs]),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return [tuple(r) for r in json.loads(proc.stdout.splitlines()[-1])]


def test_every_tool_has_the_boundary() -> None:
    """Issue 20.7 and 'a new tool cannot skip the boundary': every tool's ``--help`` exits
    0; where it has ``--cfg-options``, ``--cfg-options foo`` (no ``=``) ends with exit 2
    and one ``error:`` line (it was mmengine's DictAction traceback). Also once through
    ``python tools/train.py`` itself, with no driver in between (run alongside)."""
    found = tools()
    assert 'tools/train.py' in found and 'tools/deployment/export_onnx.py' in found
    plain = subprocess.Popen([sys.executable, 'tools/train.py', TINY_CFG, '--cfg-options',
                              'train_cfg.max_iters=2', 'foo'], cwd=REPO, env=ENV, text=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    results = run_forked([(t, ['--help']) for t in found]
                         + [(t, ['--cfg-options', 'foo']) for t in found])
    failures = []
    for tool, (code, out, err), (bad_code, _, bad_err) in zip(
            found, results[:len(found)], results[len(found):]):
        if code != 0 or 'usage:' not in out or 'Traceback' in err:
            failures.append(f'{tool} --help: exit {code}: {(err or out)[-600:]}')
        lines = error_lines(bad_err)
        if '--cfg-options' in out and (bad_code != 2 or len(lines) != 1 or not lines[
                0].startswith('error: ') or "'foo'" not in lines[0]):
            failures.append(f'{tool} --cfg-options foo: exit {bad_code}: {bad_err[-600:]}')
    assert sum('--cfg-options' in out for _, out, _ in results[:len(found)]) >= 8
    assert not failures, '\n'.join(failures)
    assert_one_error(plain.wait(timeout=300), plain.stderr.read(), '--cfg-options', "'foo'",
                     'KEY=VALUE')


# --- 7./8./9. --cfg-options syntax, types and bounds ---------------------------------------


def test_dict_action_rejects_malformed_options() -> None:
    """Issue 20.7: no ``=``, an empty key, unbalanced brackets: one ToolError each."""
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    for bad in ('foo', '=3', 'a.b=[1,2', 'a=(1,2]'):
        with pytest.raises(ToolError, match='--cfg-options') as info:
            parser.parse_args(['--cfg-options', 'ok=1', bad])
        assert repr(bad) in str(info.value)
    args = parser.parse_args(['--cfg-options', 'a.b=[1,2]', 'c=x=y', 'd=None'])
    assert args.cfg_options == {'a.b': [1, 2], 'c': 'x=y', 'd': None}


def test_a_dict_is_not_replaced_by_a_list() -> None:
    """Issue 20.8: ``model=[1,2]`` went through, then the error handler raised
    AttributeError; now the option is refused, and the handler survives a list."""
    with pytest.raises(ToolError, match=r"model=\[1, 2\]: expected a dict"):
        load_config(TINY_CFG, {'model': [1, 2]})
    load_config(TINY_CFG, {'default_hooks.checkpoint': None})
    from mmengine.registry import MODELS
    with pytest.raises(ToolError, match='building'), config_errors():
        MODELS.build([1, 2])


@pytest.mark.parametrize('key,value,needle', [
    ('model.scene.iem.width', -2, 'integer >= 1'),
    ('model.scene.iem.num_stages', 0, 'integer >= 1'),
    ('model.scene.estimator.num_layers', 0, 'integer >= 1'),
    ('train_dataloader.dataset.pipeline.1.crop_size', [128, 0], 'integer >= 1'),
    ('model.scene.estimator.threshold', math.nan, 'finite'),
    ('optim_wrapper.optimizer.lr', math.inf, 'finite'),
    ('model.scene.iem.gamma', math.nan, 'finite'),
    ('optim_wrapper.optimizer.betas', [0.9, math.nan], 'finite'),
])
def test_sizes_positive_and_numbers_finite(key: str, value, needle: str) -> None:
    """Issue 20.9: a negative width reached torch (RuntimeError), a NaN gate threshold was
    accepted; now the option is refused naming its key."""
    with pytest.raises(ToolError, match=needle) as info:
        load_config(DEMO_CFG, {key: value})
    assert key in str(info.value)


def test_sensible_values_still_pass() -> None:
    cfg = load_config(DEMO_CFG, {'model.scene.iem.width': 4, 'model.scene.estimator.threshold':
                                 0.05, 'train_dataloader.dataset.pipeline.1.crop_size': 64,
                                 'optim_wrapper.optimizer.lr': 1e-4})
    assert cfg.model.scene.iem.width == 4 and cfg.optim_wrapper.optimizer.lr == 1e-4


# --- 12./13./14./15. train.py and test.py: data, full disk, --resume ------------------------

_TOOLS: dict[str, object] = {}


def tool_main(rel: str, argv: list, capsys) -> tuple[int, str]:
    """Run ``tools/<rel>``'s main under run_tool with ``argv``: (exit status, stderr)."""
    from mmengine.registry import DefaultScope
    if rel not in _TOOLS:
        _TOOLS[rel] = load_tool(*Path(rel).parts)
    capsys.readouterr()
    sys.argv = [rel, *map(str, argv)]
    DefaultScope._instance_dict.clear()
    with pytest.raises(SystemExit) as info, contextlib.redirect_stdout(io.StringIO()):
        run_tool(_TOOLS[rel].main)
    err = capsys.readouterr().err
    return info.value.code, '\n'.join(line for line in err.splitlines()
                                      if 'warn' not in line.lower())


def image(path: Path, shape=(32, 32, 3), seed: int = 0) -> Path:
    import cv2
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), np.random.default_rng(seed).integers(0, 60, shape, np.uint8))
    return path


@pytest.fixture(scope='module')
def demo_ckpt(tmp_path_factory) -> Path:
    """Random weights of the demo config's model (RUAS_S)."""
    from mmengine.registry import init_default_scope

    from mmruas.registry import MODELS
    init_default_scope('mmruas')
    torch.manual_seed(0)
    model = MODELS.build(load_config(DEMO_CFG).model)
    path = tmp_path_factory.mktemp('demo') / 'w.pth'
    torch.save({'state_dict': model.state_dict()}, path)
    return path


def test_test_tool_names_bad_data_set_files(demo_ckpt: Path, tmp_path: Path, capsys) -> None:
    """Issues 20.12/20.13: a zero-byte input (cv2.error), an undecodable ground truth
    (OSError without a file name, also from a DataLoader worker) and a ground truth of
    another size than its input were tracebacks; now one line naming the file."""
    cases = {'empty': ('low/a.png', b''), 'corrupt_gt': ('high/a.png', b'\x89PNG\r\n junk'),
             'worker': ('high/a.png', b'\x89PNG\r\n junk'), 'size': ('high/a.png', None)}
    for case, (rel, data) in cases.items():
        image(tmp_path / case / 'low' / 'a.png')
        image(tmp_path / case / 'high' / 'a.png', shape=(24, 32, 3) if data is None else
              (32, 32, 3))
        if data is not None:
            (tmp_path / case / rel).write_bytes(data)
    for case, needles in [('empty', ['low/a.png', 'empty']),
                          ('corrupt_gt', ['high/a.png', 'cannot decode']),
                          ('worker', ['high/a.png', 'cannot decode']),
                          ('size', ['high/a.png', '24x32', '32x32'])]:
        workers = ['test_dataloader.num_workers=1'] if case == 'worker' else []
        code, err = tool_main('test.py', [DEMO_CFG, demo_ckpt, '--work-dir', tmp_path / 'w',
                                          '--cfg-options', *workers,
                                          f'test_dataloader.dataset.data_root={tmp_path / case}'],
                              capsys)
        assert_one_error(code, err, *needles)


def test_train_tool_names_small_and_empty_images(tmp_path: Path, capsys) -> None:
    """Issues 20.12/20.13: the crop larger than a 96x64 training image, a zero-byte training
    image: one line naming the file."""
    image(tmp_path / 'small' / 'a.png', shape=(64, 96, 3))
    image(tmp_path / 'empty' / 'b.png')
    (tmp_path / 'empty' / 'a.png').write_bytes(b'')
    for folder, needles in [('small', ['a.png', '64x96', 'crop 320x320']),
                            ('empty', ['a.png', 'empty'])]:
        code, err = tool_main('train.py', [
            DEMO_CFG, '--work-dir', tmp_path / 'w', '--cfg-options', 'train_cfg.max_iters=1',
            'train_dataloader.batch_size=1', 'train_dataloader.dataset.pipeline.1.crop_size=320',
            'train_dataloader.sampler.shuffle=False', 'val_dataloader=None', 'val_cfg=None',
            'val_evaluator=None',
            f'train_dataloader.dataset.data_root={tmp_path / folder}'], capsys)
        assert_one_error(code, err, *needles)


def test_full_disk_under_checkpoints_loses_nothing(tmp_path: Path, capsys, monkeypatch) -> None:
    """Issue 20.14: ENOSPC while writing iter_4.pth was an OSError traceback (exit 1); now
    one line naming the checkpoint, exit 2; iter_2.pth and last_checkpoint stay, no debris."""
    from mmengine.fileio.backends.local_backend import LocalBackend
    put = LocalBackend.put

    def full_disk(self, obj, filepath) -> None:
        if 'iter_4' in str(filepath):
            with open(filepath, 'wb') as f:
                f.write(bytes(obj)[:len(obj) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        put(self, obj, filepath)

    monkeypatch.setattr(LocalBackend, 'put', full_disk)
    work = tmp_path / 'w'
    code, err = tool_main('train.py', [TINY_CFG, '--work-dir', work], capsys)
    assert_one_error(code, err, 'iter_4.pth', os.strerror(errno.ENOSPC), 'iter_2.pth')
    assert sorted(p.name for p in work.iterdir() if p.is_file() and p.suffix != '.py') == [
        'iter_2.pth', 'last_checkpoint']
    assert (work / 'last_checkpoint').read_text() == str(work / 'iter_2.pth')
    assert torch.load(work / 'iter_2.pth', weights_only=False)['meta']['iter'] == 2


def test_resume_from_weights_only_checkpoint(tmp_path: Path, capsys) -> None:
    """Issue 20.15: ``--resume`` given a weights-only checkpoint was ``KeyError: 'epoch'``;
    now one line saying it holds no training state, before anything is written."""
    from tests.data.tiny_model import TinyRegressor
    weights = tmp_path / 'weights.pth'
    torch.save({'state_dict': TinyRegressor().state_dict(), 'meta': {}}, weights)
    code, err = tool_main('train.py', [TINY_CFG, '--work-dir', tmp_path / 'w', '--resume',
                                       weights], capsys)
    assert_one_error(code, err, 'weights.pth', 'no training state', 'load_from')
    assert not (tmp_path / 'w').exists()


def test_full_disk_outside_checkpoints_is_one_line(tmp_path: Path, capsys, monkeypatch) -> None:
    """Issue 20.14, the rest of a run's writes (logs, visualizer files): an ENOSPC with no
    file name is one line naming the work dir, not a traceback."""
    from mmengine.hooks import LoggerHook

    def full_disk(*args, **kwargs) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(LoggerHook, 'after_train_iter', full_disk)
    code, err = tool_main('train.py', [TINY_CFG, '--work-dir', tmp_path / 'w'], capsys)
    assert_one_error(code, err, str(tmp_path / 'w'), os.strerror(errno.ENOSPC))
