"""Issue 20, the deployment and conversion tools: benchmark_deploy never replaces an input
(images, the --other file), refuses .pt2 / TorchScript files unless trusted, and treats
NaN/Inf as a difference; export_onnx refuses a NaN model; convert_released_ruas fails with
one line on an empty file and a full disk; get_flops has an error boundary. In-process
(``main(argv)`` under ``run_tool``), one real entry-point run."""
from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from mmruas.deployment import EnhancerGraph, export_graph, max_abs_diff
from mmruas.utils.checkpoints import build_model
from mmruas.utils.cli import load_config
from mmruas.utils.cli import run_tool as run_main
from tests.helpers import REPO
from tests.helpers.tools import Evil, digest, load_tool, one_error, run_tool

CONFIG = str(REPO / 'configs' / 'ruas_enhance' / 'ruas_a_released.py')

bench = load_tool('analysis_tools/benchmark_deploy.py')


def call(main, argv: list, capsys) -> tuple[int, list[str]]:
    """``main(argv)`` under the error boundary: (exit status, non-empty stderr lines)."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        run_main(lambda: main([str(a) for a in argv]))
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    return exc.value.code, err


def assert_one_error(code: int, err: list[str], *needles: str) -> None:
    assert code == 2 and len(err) == 1 and err[0].startswith('error: '), err
    for needle in needles:
        assert needle in err[0], err[0]


def nan_module() -> torch.nn.Module:
    """A factory for ``--other``: an enhancer whose outputs are all NaN."""
    class Nan(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x * float('nan')
    return Nan()


@pytest.fixture(scope='module')
def setup(tmp_path_factory) -> dict:
    """Random RUAS_A weights, NaN weights, two 24x32 images, an ONNX file of the model."""
    tmp = tmp_path_factory.mktemp('deploy')
    torch.manual_seed(0)
    model = build_model(load_config(CONFIG)).eval()
    ckpt = tmp / 'w.pth'
    torch.save({'state_dict': model.state_dict()}, ckpt)
    nan_ckpt = tmp / 'nan.pth'
    torch.save({'state_dict': {k: torch.full_like(v, float('nan')) if v.is_floating_point()
                               else v for k, v in model.state_dict().items()}}, nan_ckpt)
    images = tmp / 'images'
    images.mkdir()
    rng = np.random.default_rng(0)
    for i in range(2):
        cv2.imwrite(str(images / f'{i}.png'), rng.integers(0, 60, (24, 32, 3), np.uint8))
    onnx_file = tmp / 'model.onnx'
    graph = EnhancerGraph(model.scene).eval()
    export_graph(graph, torch.rand(1, 3, 24, 32), str(onnx_file), exporter='torchscript')
    return dict(tmp=tmp, ckpt=ckpt, nan=nan_ckpt, images=images, onnx=onnx_file)


def bench_args(setup: dict, *extra) -> list:
    return [CONFIG, setup['ckpt'], setup['images'], '--repeats', '1', '--warmup', '0',
            *extra]


# --- cause 2: benchmark_deploy --out never replaces an input -------------------------------


def test_benchmark_out_never_replaces_an_input(setup: dict, tmp_path: Path, capsys) -> None:
    """``--out`` naming an input image (its path, a hard link, a symbolic link), the --other
    ONNX file or a factory's .py file is refused before anything runs, even with
    --overwrite; every input stays byte-identical."""
    before = digest(setup['images'], setup['onnx'])
    img = setup['images'] / '0.png'
    hard = tmp_path / 'hard.json'
    os.link(img, hard)
    soft = tmp_path / 'soft.json'
    soft.symlink_to(setup['onnx'])
    factory = tmp_path / 'factory.py'
    factory.write_text(f'from {__name__} import nan_module as make\n')
    other = ['--other', setup['onnx']]
    for out, extra, name in ((img, other, '0.png'), (hard, other, '0.png'),
                             (setup['onnx'], other, 'model.onnx'),
                             (soft, other, 'model.onnx'),
                             (factory, ['--other', f'{factory}:make'], 'factory.py')):
        code, err = call(bench.main, bench_args(setup, *extra, '--out', out, '--overwrite'),
                         capsys)
        assert_one_error(code, err, 'would overwrite the input', name)
    assert digest(setup['images'], setup['onnx']) == before
    assert factory.read_text().startswith('from tests')


# --- cause 4: NaN-aware differences ------------------------------------------------------


def test_max_abs_diff_is_nan_aware() -> None:
    one, nan, inf = np.ones(3), np.array([1.0, np.nan, 1.0]), np.array([1.0, np.inf, 1.0])
    assert max_abs_diff([one], [one]) == 0
    for a, b in ((one, nan), (nan, one), (nan, nan), (one, inf), (inf, inf)):
        assert not np.isfinite(max_abs_diff([a], [b])), (a, b)
    assert not np.isfinite(max_abs_diff([one, one], [one, nan]))   # NaN after a finite pair
    assert max_abs_diff([one], [one[:2]]) == float('inf')


def test_benchmark_refuses_nan_outputs(setup: dict, tmp_path: Path, capsys) -> None:
    """A NaN side (an ONNX model of NaN weights; a NaN factory) is no 'max abs diff 0': one
    error line naming the image, no --out written."""
    nan_onnx = tmp_path / 'nan.onnx'
    model = build_model(load_config(CONFIG)).eval()
    model.load_state_dict(torch.load(setup['nan'], weights_only=True)['state_dict'])
    export_graph(EnhancerGraph(model.scene).eval(), torch.rand(1, 3, 24, 32), str(nan_onnx),
                 exporter='torchscript')
    out = tmp_path / 'r.json'
    for other in (nan_onnx, f'{__name__}:nan_module'):
        code, err = call(bench.main, bench_args(setup, '--other', other, '--out', out),
                         capsys)
        assert_one_error(code, err, '0.png', 'NaN')
        assert not out.exists()
    code, err = call(bench.main, [CONFIG, setup['nan'], setup['images'], '--mode',
                                  'throughput', '--batch', '2', '--repeats', '1', '--out',
                                  out], capsys)
    assert_one_error(code, err, 'NaN')
    assert not out.exists()


def test_export_onnx_refuses_nan_model(setup: dict, tmp_path: Path, capsys) -> None:
    """A checkpoint of NaN weights was exported with "max abs diff 0"; now one error line
    and no OUT."""
    pytest.importorskip('onnxruntime')
    export = load_tool('deployment/export_onnx.py')
    out = tmp_path / 'nan.onnx'
    code, err = call(export.main, [CONFIG, setup['nan'], out, '--shape', '16', '24',
                                   '--legacy-exporter'], capsys)
    assert_one_error(code, err, 'NaN', 'nan.onnx')
    assert os.listdir(tmp_path) == []


def test_export_onnx_out_never_replaces_an_input(setup: dict, tmp_path: Path,
                                                 capsys) -> None:
    export = load_tool('deployment/export_onnx.py')
    link = tmp_path / 'w.onnx'
    os.link(setup['ckpt'], link)
    before = digest(setup['ckpt'])
    code, err = call(export.main, [CONFIG, setup['ckpt'], link, '--overwrite'], capsys)
    assert_one_error(code, err, 'would overwrite the input', 'w.pth')
    assert digest(setup['ckpt']) == before


# --- cause 6: .pt2 / TorchScript files are code ------------------------------------------


def evil_pt2(path: Path, marker: Path) -> None:
    """A real ``torch.export.save`` archive plus a legacy weights entry whose unpickling
    (torch.export.load's ``weights_only=False`` fallback) would create ``marker``."""
    from torch.export.pt2_archive.constants import WEIGHTS_DIR
    good = path.with_name('good.pt2')
    torch.export.save(torch.export.export(torch.nn.Conv2d(3, 3, 1),
                                          (torch.rand(1, 3, 4, 4),)), str(good))
    payload = io.BytesIO()
    torch.save([Evil(marker)], payload)
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, 'w') as dst:
        names = src.namelist()
        for name in names:
            dst.writestr(name, src.read(name))
        dst.writestr(f'{names[0].split("/")[0]}/{WEIGHTS_DIR}model.pt', payload.getvalue())
    good.unlink()


@pytest.fixture(scope='module')
def evil(tmp_path_factory) -> tuple[Path, Path]:
    """(the crafted .pt2, the marker its loading would create)."""
    tmp = tmp_path_factory.mktemp('evil')
    evil_pt2(tmp / 'evil.pt2', tmp / 'pwned')
    return tmp / 'evil.pt2', tmp / 'pwned'


def test_benchmark_refuses_untrusted_pt2_and_torchscript(setup: dict, evil: tuple,
                                                         tmp_path: Path, capsys) -> None:
    """A crafted .pt2 ran code (its marker file appeared); now .pt2 and TorchScript files
    are refused unless --trust-other says the file is trusted: nothing is unpickled."""
    evil, marker = evil
    script = tmp_path / 'model.ts'
    torch.jit.save(torch.jit.script(torch.nn.Identity()), str(script))
    for other in (evil, script):
        code, err = call(bench.main, bench_args(setup, '--other', other), capsys)
        assert_one_error(code, err, str(other), '--trust-other')
    assert not marker.exists()
    junk = tmp_path / 'junk.pt2'
    junk.write_bytes(b'junk')                   # trusted, but no archive: one line
    code, err = call(bench.main, bench_args(setup, '--other', junk, '--trust-other'), capsys)
    assert_one_error(code, err, 'junk.pt2', 'not a torch.export file')


def test_benchmark_entry_point_pt2(setup: dict, evil: tuple) -> None:
    """The real command line: the crafted .pt2 gives one error line, no marker."""
    evil, marker = evil
    proc = run_tool('analysis_tools/benchmark_deploy.py', *bench_args(setup, '--other', evil))
    one_error(proc, 'evil.pt2', '--trust-other')
    assert not marker.exists()


# --- causes 10, 11: convert_released_ruas ------------------------------------------------


@pytest.fixture()
def released(setup: dict, tmp_path: Path) -> Path:
    """The setup's RUAS_A scene renamed back to the authors' released layout."""
    import re
    inverse = [(r'^scene\.iem\.stages\.(\d+)\.cell\.', r'enhance_net.iems.\1.cell.'),
               (r'^scene\.nrm\.stem\.', 'denoise_net.stem.'),
               (r'^scene\.nrm\.cells\.', 'denoise_net.nrms.'),
               (r'^scene\.nrm\.tail\.', 'denoise_net.activate.0.'),
               (r'^scene\.estimator\.layers\.', 'estimation.estimation.')]
    state = torch.load(setup['ckpt'], weights_only=True)['state_dict']
    out = {}
    for key, value in state.items():
        for pattern, repl in inverse:
            if re.match(pattern, key):
                out[re.sub(pattern, repl, key)] = value
    src = tmp_path / 'released.pt'
    torch.save(out, src)
    return src


def test_convert_empty_file(tmp_path: Path, capsys) -> None:
    """A zero-byte source raised IndexError inside the error handler (empty EOFError)."""
    convert = load_tool('convert_released_ruas.py')
    empty = tmp_path / 'empty.pt'
    empty.write_bytes(b'')
    code, err = call(convert.main, [empty, tmp_path / 'out.pth'], capsys)
    assert_one_error(code, err, 'empty.pt')
    assert sorted(os.listdir(tmp_path)) == ['empty.pt']


@pytest.fixture()
def full_disk(tmp_path: Path, monkeypatch) -> Path:
    """A real ENOSPC for the writes into ``tmp_path``: each temporary file the safe writer
    makes there is a symbolic link to /dev/full."""
    if not os.path.exists('/dev/full'):
        pytest.skip('no /dev/full')
    import tempfile
    real_mkstemp = tempfile.mkstemp

    def full_mkstemp(*args, **kwargs):
        fd, name = real_mkstemp(*args, **kwargs)
        if Path(name).parent == tmp_path:
            os.unlink(name)
            os.symlink('/dev/full', name)
        return fd, name

    monkeypatch.setattr(tempfile, 'mkstemp', full_mkstemp)
    return tmp_path


def test_convert_full_disk(released: Path, full_disk: Path, capsys) -> None:
    """torch.save's RuntimeError traceback ("unexpected pos") on a full disk before; now one
    error line naming OUT and the errno, no debris, the old OUT kept."""
    convert = load_tool('convert_released_ruas.py')
    tmp_path = full_disk
    out = tmp_path / 'out.pth'
    out.write_bytes(b'old')
    code, err = call(convert.main, [released, out, '--overwrite'], capsys)
    assert_one_error(code, err, 'out.pth', 'No space left')
    assert sorted(os.listdir(tmp_path)) == ['out.pth', 'released.pt']
    assert out.read_bytes() == b'old'


def test_export_onnx_full_disk(setup: dict, full_disk: Path, capsys) -> None:
    """export_onnx into a full disk: one error line, no debris, the old OUT kept."""
    pytest.importorskip('onnxruntime')
    export = load_tool('deployment/export_onnx.py')
    out = full_disk / 'm.onnx'
    out.write_bytes(b'old')
    code, err = call(export.main, [CONFIG, setup['ckpt'], out, '--shape', '16', '24',
                                   '--legacy-exporter', '--overwrite'], capsys)
    assert_one_error(code, err, 'm.onnx', 'No space left')
    assert os.listdir(full_disk) == ['m.onnx'] and out.read_bytes() == b'old'


# --- cause 17: get_flops's error boundary ------------------------------------------------


def test_get_flops_one_line_errors(tmp_path: Path, capsys) -> None:
    flops = load_tool('analysis_tools/get_flops.py')
    bad_variant = tmp_path / 'bad_variant.py'
    bad_variant.write_text(f"_base_ = [{CONFIG!r}]\nmodel = dict(scene=dict(variant='RUAS_X'))\n")
    for argv, needles in (
            ([CONFIG, '--cfg-options', 'model=1'], ['model']),
            ([CONFIG, '--cfg-options', 'model.scene.variant=NOPE'], ['NOPE']),
            ([CONFIG, '--cfg-options', 'model.scene.type=NoSuchScene'], ['NoSuchScene']),
            ([bad_variant, '--shape', '8', '8'], ['RUAS_X']),
            ([bad_variant, '--variants', '--shape', '8', '8', '--cfg-options',
              'model.scene.type=Nope'], ['Nope'])):
        code, err = call(flops.main, argv, capsys)
        assert_one_error(code, err, *needles)
    code, _ = call(flops.main, [CONFIG, '--shape', '8', '8'], capsys)
    assert code == 0
