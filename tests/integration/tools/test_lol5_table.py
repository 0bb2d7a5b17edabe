"""tools/analysis_tools/lol5_table.py: baselines scored independently, curve read from the
validation scalars, bad specs refused with one line."""
import json
import os.path as osp

import numpy as np
import pytest
from skimage.metrics import peak_signal_noise_ratio

from tests.helpers.tools import load_tool

lol5_table = load_tool('analysis_tools', 'lol5_table.py')


def test_baselines_match_scikit_image(reference_dir, tmp_path):
    lol = osp.join(reference_dir, 'lol')
    assert lol5_table.main(['--lol', lol, '--out', str(tmp_path)]) == 0
    table = (tmp_path / 'table.md').read_text()
    # an existing table is not replaced unless asked
    (tmp_path / 'table.md').write_text('kept')
    assert lol5_table.main(['--lol', lol, '--out', str(tmp_path)]) == 2
    assert (tmp_path / 'table.md').read_text() == 'kept'
    assert lol5_table.main(['--lol', lol, '--out', str(tmp_path), '--overwrite']) == 0
    assert (tmp_path / 'table.md').read_text() == table
    pairs = lol5_table.load_pairs(lol)
    for label, fn in (('input', lambda x: x), ('gamma 2.2', lambda x: x ** (1 / 2.2))):
        ref = np.mean([peak_signal_noise_ratio(
            high, np.round(np.clip(fn(low), 0, 1) * 255).astype(np.uint8))
            for _, low, high in pairs])
        line = next(v for v in table.splitlines() if v.startswith(f'| {label} |'))
        assert float(line.split('**')[1].split(' / ')[0]) == pytest.approx(ref, abs=0.005)


def test_curve_and_bad_run_spec(tmp_path, capsys):
    vis = tmp_path / 'w' / '20260101_000000' / 'vis_data'
    vis.mkdir(parents=True)
    # as mmengine writes an iteration-based run: validation records carry step 0
    rows = [{'loss': 1.0, 'step': 50}, {'loss': 0.9, 'step': 100},
            {'PSNR': 12.5, 'iem/PSNR': 14.0, 'step': 0}, {'loss': 0.8, 'step': 200},
            {'PSNR': 13.0, 'iem/PSNR': 14.5, 'step': 0}]
    (vis / 'scalars.json').write_text('\n'.join(json.dumps(r) for r in rows))
    assert lol5_table.curve(str(tmp_path / 'w')) == [(100, 12.5), (200, 13.0)]
    assert lol5_table.curve(str(tmp_path / 'w'), 'iem/PSNR') == [(100, 14.0), (200, 14.5)]
    low = tmp_path / 'lol' / 'low'
    low.mkdir(parents=True)
    assert lol5_table.main(['--lol', str(tmp_path / 'lol'), '--out', str(tmp_path / 'o')]) == 2
    assert capsys.readouterr().err.startswith('error: no low/*.png')
