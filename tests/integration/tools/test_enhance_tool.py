"""tools/enhance.py and tools/analysis_tools/{get_flops,benchmark,benchmark_detection}.py,
run as scripts."""
from __future__ import annotations

import glob
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch

from tests.helpers import REPO_DIR as REPO
from tests.helpers.models import build_model
from tests.helpers.tools import enhance, enhance_subprocess, load_tool
from tests.helpers.tools import run_python as run

CONFIG = osp.join(REPO, 'configs', 'ruas_enhance', 'ruas_a_released.py')
ENHANCE = osp.join(REPO, 'tools', 'enhance.py')
GET_FLOPS = osp.join(REPO, 'tools', 'analysis_tools', 'get_flops.py')
BENCHMARK = osp.join(REPO, 'tools', 'analysis_tools', 'benchmark.py')
BENCHMARK_DET = osp.join(REPO, 'tools', 'analysis_tools', 'benchmark_detection.py')


@pytest.fixture(scope='module')
def ckpt(tmp_path_factory) -> str:
    """A checkpoint of the released config's model with random weights."""
    path = str(tmp_path_factory.mktemp('ckpt') / 'tiny.pth')
    torch.save({'state_dict': build_model().state_dict()}, path)
    return path


def write(path, img: np.ndarray) -> np.ndarray:
    os.makedirs(osp.dirname(str(path)), exist_ok=True)
    assert cv2.imwrite(str(path), img)
    return img


def dark(shape, seed: int, dtype=np.uint8) -> np.ndarray:
    high = 60 if dtype == np.uint8 else 15000
    return np.random.default_rng(seed).integers(0, high, shape, dtype=dtype)


def read(path) -> np.ndarray:
    img = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    assert img is not None, path
    return img


def listing(folder) -> list[str]:
    return sorted(os.listdir(folder))


def test_folder_glob_and_file_inputs(ckpt, tmp_path):
    src = tmp_path / 'low'
    write(src / 'a.png', dark((12, 16, 3), 0))
    write(src / 'b.jpg', dark((12, 16, 3), 1))
    write(src / 'c.PNG', dark((10, 14, 3), 2))
    write(src / 'nested' / 'd.png', dark((12, 16, 3), 3))
    (src / 'notes.txt').write_text('not an image')

    res = enhance(ckpt, src, tmp_path / 'out_folder')
    assert res.returncode == 0, res.stderr
    assert listing(tmp_path / 'out_folder') == ['a.png', 'b.png', 'c.png']
    assert '3 image(s) written' in res.stdout and '0 failed' in res.stdout
    assert read(tmp_path / 'out_folder' / 'c.png').shape == (10, 14, 3)

    res = enhance(ckpt, str(src / '[ab].*'), tmp_path / 'out_glob')
    assert res.returncode == 0, res.stderr
    assert listing(tmp_path / 'out_glob') == ['a.png', 'b.png']

    res = enhance(ckpt, src / 'b.jpg', tmp_path / 'out_file')
    assert res.returncode == 0, res.stderr
    assert listing(tmp_path / 'out_file') == ['b.png']
    np.testing.assert_array_equal(read(tmp_path / 'out_file' / 'b.png'),
                                  read(tmp_path / 'out_folder' / 'b.png'))

    res = enhance(ckpt, str(tmp_path / 'missing' / '*.png'), tmp_path / 'out_none')
    assert res.returncode == 2
    assert res.stderr.strip().count('\n') == 0 and 'error:' in res.stderr
    assert not (tmp_path / 'out_none').exists()


def test_batching_equals_one_by_one_and_side_by_side(ckpt, tmp_path):
    src = tmp_path / 'low'
    for i in range(5):
        write(src / f'{i}.png', dark((12, 16, 3), i))
    write(src / 'odd.png', dark((10, 14, 3), 9))
    opts = ('--side-by-side', '--save-illumination')
    batched = enhance(ckpt, src, tmp_path / 'batched', '--batch-size', '3', *opts)
    single = enhance(ckpt, src, tmp_path / 'single', '--batch-size', '1', *opts)
    assert batched.returncode == 0 and single.returncode == 0, batched.stderr + single.stderr
    names = listing(tmp_path / 'single')
    assert len(names) == 18 and listing(tmp_path / 'batched') == names
    for name in names:
        np.testing.assert_array_equal(read(tmp_path / 'batched' / name),
                                      read(tmp_path / 'single' / name), err_msg=name)
    sbs = read(tmp_path / 'single' / '0_side_by_side.png')
    assert sbs.shape == (12, 48, 3)
    np.testing.assert_array_equal(sbs[:, :16], read(src / '0.png'))
    np.testing.assert_array_equal(sbs[:, 16:32], read(tmp_path / 'single' / '0.png'))
    np.testing.assert_array_equal(sbs[:, 32:], read(tmp_path / 'single' / '0_illumination.png'))
    assert read(tmp_path / 'single' / 'odd_side_by_side.png').shape == (10, 42, 3)


def test_bit_depths_channels_extremes_and_corrupt_file(ckpt, tmp_path):
    src = tmp_path / 'low'
    write(src / 'deep.png', dark((12, 16, 3), 0, np.uint16))
    write(src / 'gray.png', dark((12, 16), 1))
    write(src / 'rgba.png', dark((12, 16, 4), 2))
    write(src / 'black.png', np.zeros((12, 16, 3), np.uint8))
    write(src / 'white.png', np.full((12, 16, 3), 255, np.uint8))
    write(src / 'white16.png', np.full((12, 16, 3), 65535, np.uint16))
    (src / 'broken.png').write_bytes(b'\x89PNG\r\n\x1a\n truncated')
    res = enhance(ckpt, src, tmp_path / 'out', '--save-illumination')
    assert res.returncode == 1
    assert 'broken.png' in res.stderr and '1 failed' in res.stdout
    assert '6 image(s) written' in res.stdout
    out = tmp_path / 'out'
    assert 'broken.png' not in listing(out)
    for name in ('deep', 'white16'):
        assert read(out / f'{name}.png').dtype == np.uint16
        assert read(out / f'{name}_illumination.png').dtype == np.uint16
    for name in ('gray', 'rgba', 'black', 'white'):
        img = read(out / f'{name}.png')
        assert img.dtype == np.uint8 and img.shape == (12, 16, 3), name


def test_extreme_images_give_finite_outputs(ckpt):
    model = build_model()
    model.load_state_dict(torch.load(ckpt)['state_dict'])
    with torch.no_grad():
        out = model.scene(torch.stack([torch.zeros(3, 12, 16), torch.ones(3, 12, 16)]))
    for name, x in [('output', out.output), ('t', out.ts[-1]), ('denoised', out.denoised)]:
        assert torch.isfinite(x).all(), name
    assert (out.ts[-1] >= 1e-4).all()


def test_refuses_to_write_into_input_folder(ckpt, tmp_path):
    src = tmp_path / 'low'
    write(src / 'a.png', dark((12, 16, 3), 0))
    os.symlink(src, tmp_path / 'alias')
    before = listing(src)
    for out, tool in ((src, enhance_subprocess),   # the real entry point: status, stderr
                      (src / 'enhanced', enhance), (tmp_path / 'alias', enhance)):
        res = tool(ckpt, src, out)
        assert res.returncode == 2, out
        assert res.stderr.strip().startswith('error:') and '\n' not in res.stderr.strip()
        assert listing(src) == before
    res = enhance(ckpt, src / 'a.png', src)       # a file input: its folder is an input folder
    assert res.returncode == 2 and listing(src) == before


def test_released_weights_reproduce_published_results(reference_dir, tmp_path):
    ckpt = tmp_path / 'ruas_a_lol.pth'
    res = run(osp.join(REPO, 'tools', 'convert_released_ruas.py'),
              osp.join(reference_dir, 'weights', 'lol.pt'), ckpt)
    assert res.returncode == 0, res.stderr
    res = enhance(str(ckpt), osp.join(reference_dir, 'lol', 'low'), tmp_path / 'out')
    assert res.returncode == 0, res.stderr
    published = sorted(glob.glob(osp.join(reference_dir, 'lol', 'released_result', '*.png')))
    assert len(published) == 5
    for path in published:
        ours = read(tmp_path / 'out' / osp.basename(path)).astype(int)
        theirs = read(path).astype(int)
        assert ours.shape == theirs.shape
        assert np.abs(ours - theirs).max() <= 1, osp.basename(path)


def test_get_flops_reports_variants():
    res = run(GET_FLOPS, CONFIG, '--variants', '--shape', '40', '60')
    assert res.returncode == 0, res.stderr
    rows = {line.split('|')[1].strip(): line for line in res.stdout.splitlines()
            if line.startswith('| RUAS')}
    assert set(rows) == {'RUAS_S', 'RUAS', 'RUAS_A'}
    assert rows['RUAS_A'].split('|')[2].strip() == '36,653'
    assert 'multiply-add' in res.stdout
    flops = {k: int(v.split('|')[4].replace(',', '')) for k, v in rows.items()}
    assert 0 < flops['RUAS_S'] < flops['RUAS'] < flops['RUAS_A']


def test_benchmark_prints_table(tmp_path):
    out = tmp_path / 'bench.json'
    res = run(BENCHMARK, CONFIG, '--device', 'cpu', '--shape', '16', '24', '--batch-sizes',
              '1', '2', '--iters', '2', '--warmup', '1', '--out', out)
    assert res.returncode == 0, res.stderr
    assert '| batch | median latency (ms) |' in res.stdout
    results = json.loads(out.read_text())['results']
    assert [r['batch_size'] for r in results] == [1, 2]
    assert all(r['median_ms'] > 0 and r['images_per_s'] > 0 for r in results)


def test_benchmark_search_mode_times_every_step_kind(tmp_path):
    search_cfg = osp.join(REPO, 'configs', 'ruas_enhance', 'search', 'ruas_search_lol5.py')
    out = tmp_path / 'search.json'
    res = run(BENCHMARK, search_cfg, '--mode', 'search', '--shape', '16', '16', '--iters', '1',
              '--warmup', '0', '--out', out)
    assert res.returncode == 0, res.stderr
    assert '| batch | step | median (ms) | × plain step |' in res.stdout
    results = json.loads(out.read_text())['results']
    assert [r['step'] for r in results] == ['plain', 'scene, 1st order', 'task, 1st order',
                                            'scene, 2nd order', 'task, 2nd order',
                                            'joint, 2nd order']
    assert results[0]['ratio'] == 1.0 and all(r['median_ms'] > 0 for r in results)
    # an inference config has no search model: one-line error
    res = run(BENCHMARK, CONFIG, '--mode', 'search', '--shape', '16', '16')
    assert res.returncode == 2
    last = res.stderr.strip().splitlines()[-1]
    assert last.startswith('error: ') and 'search model' in last


def test_benchmark_detection_with_and_without_scene(tmp_path):
    """The demo detector (RUAS_S scene in its preprocessor) timed both ways, tiny."""
    det_cfg = osp.join(REPO, 'configs', 'demo', 'demo_det_train.py')
    out = tmp_path / 'det.json'
    res = run(BENCHMARK_DET, det_cfg, '--shape', '64', '64', '--batch-size', '2', '--iters',
              '1', '--warmup', '0', '--out', out)
    assert res.returncode == 0, res.stderr
    assert '| step | batch | without scene (ms) | with scene (ms) | with / without |' in res.stdout
    rows = [line for line in res.stdout.splitlines() if line.startswith('| ')][1:]
    assert [r.split('|')[1].strip() for r in rows] == ['train step', 'inference (per image)']
    assert [r.split('|')[2].strip() for r in rows] == ['2', '1']
    data = json.loads(out.read_text())
    assert data['scene'].startswith('RUAS_S') and data['shape'] == [64, 64]
    results = data['results']
    assert [(r['step'], r['batch_size']) for r in results] == [('train', 2), ('inference', 1)]
    for r in results:
        assert r['with_ms'] > 0 and r['without_ms'] > 0
        assert abs(r['ratio'] - r['with_ms'] / r['without_ms']) < 1e-9
        assert len(r['times_ms']['with']) == len(r['times_ms']['without']) == 1
    # an enhancement config has no detector with a scene preprocessor: one-line error
    res = run(BENCHMARK_DET, CONFIG, '--shape', '64', '64')
    assert res.returncode == 2
    last = res.stderr.strip().splitlines()[-1]
    assert last.startswith('error: ') and 'scene module' in last


def test_tile_option_equals_whole_image(ckpt, tmp_path):
    """--tile N: the same PNGs as the whole-image run (float outputs agree to 1e-5, so the
    8-bit results to one grey level), 16-bit included; the illumination too."""
    src = tmp_path / 'low'
    write(src / 'odd.png', dark((37, 53, 3), 1))
    write(src / 'deep.png', dark((30, 41, 3), 2, np.uint16))
    whole = enhance(ckpt, src, tmp_path / 'whole', '--save-illumination')
    tiled = enhance(ckpt, src, tmp_path / 'tiled', '--save-illumination', '--tile', '16')
    assert whole.returncode == tiled.returncode == 0, tiled.stderr
    names = listing(tmp_path / 'whole')
    assert names == listing(tmp_path / 'tiled') and len(names) == 4
    for name in names:
        a, b = read(tmp_path / 'whole' / name), read(tmp_path / 'tiled' / name)
        assert a.shape == b.shape and a.dtype == b.dtype
        assert np.abs(a.astype(int) - b.astype(int)).max() <= 1, name
    bad = enhance(ckpt, src, tmp_path / 'bad', '--tile', '0')
    assert bad.returncode == 2 and not (tmp_path / 'bad').exists()


def test_video_input(ckpt, tmp_path):
    """A video file in: OUTPUT_DIR/<same name>, same frame count, size and frame rate."""
    from mmruas.apis import enhance as api_enhance
    from tests.helpers.data import _read, _video
    (tmp_path / 'vid').mkdir()
    src = tmp_path / 'vid' / 'clip.avi'
    _video(src, n=5, size=(40, 24), fps=15.0)
    res = enhance(ckpt, src, tmp_path / 'out', '--batch-size', '2')
    assert res.returncode == 0, res.stderr
    assert '5 frame(s) written' in res.stdout
    frames, fps, size = _read(tmp_path / 'out' / 'clip.avi')
    assert len(frames) == 5 and size == (40, 24) and fps == pytest.approx(15.0)
    ok, first = cv2.VideoCapture(str(src)).read()
    want = api_enhance(build_model(), first).astype(float)   # the checkpoint's weights
    assert ok and np.abs(frames[0].astype(float) - want).mean() < 8   # up to the codec
    again = enhance(ckpt, src, tmp_path / 'out')       # existing output refused
    assert again.returncode == 2 and again.stderr.count('\n') == 1 and 'exist' in again.stderr


def test_benchmark_search_steps_set_each_step_through_the_search_api():
    """benchmark.py --mode search times the step it names: each timed call follows
    ``set_search_step`` with that phase and order (the old attribute writes were ignored by
    the models, so every row timed a warm-up step)."""
    tool = load_tool('analysis_tools', osp.basename(BENCHMARK))

    class Spy(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.zeros(1))
            self.calls: list = []

        def set_search_step(self, phase, val_batch=None, order=None, **kw):
            self.calls.append(('set', phase, order, val_batch))

        def train_step(self, data, optim_wrapper):
            self.calls.append(('step',))

    spy = Spy()
    tool.search_step_times(spy, None, {}, {'val': 1}, warmup=0, iters=1)
    sets = [c for c in spy.calls if c[0] == 'set']
    assert [(p, o) for _, p, o, _ in sets] == [(p, o) for _, p, o in tool.SEARCH_STEPS]
    assert all(v == {'val': 1} for *_, v in sets)
    assert [c[0] for c in spy.calls] == ['set', 'step'] * len(tool.SEARCH_STEPS)
