"""tools/analysis_tools/benchmark_deploy.py: the other side as a factory, a TorchScript or an
ONNX file, interleaved runs, the figures it prints and writes, its refusals. No timing
thresholds: only that the outputs agree and the figures are consistent."""
from __future__ import annotations

import json
import math
import os.path as osp
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from mmruas.deployment import EnhancerGraph, export_graph
from mmruas.utils.checkpoints import build_model, load_weights
from mmruas.utils.cli import ToolError, load_config
from tests.helpers import REPO
from tests.helpers.tools import load_tool

CONFIG = osp.join(REPO, 'configs', 'ruas_enhance', 'ruas_a_released.py')


bench = load_tool('analysis_tools', 'benchmark_deploy.py')


def make_sync_free(checkpoint: str) -> torch.nn.Module:
    """A factory for ``--other``: the same enhancer in the sync-free form (the NRM on every
    image, the gate selecting with ``torch.where``), as a released-code adapter would be."""
    model = build_model(load_config(CONFIG))
    load_weights(model, checkpoint)
    model.scene.skip_closed_gate = False
    return EnhancerGraph(model.scene)


def make_nothing() -> object:
    return 'not a module'


@pytest.fixture(scope='module')
def setup(tmp_path_factory) -> dict:
    """A seeded RUAS_A checkpoint and three small images (one noisy, so one gate opens)."""
    tmp = tmp_path_factory.mktemp('bench')
    torch.manual_seed(0)
    model = build_model(load_config(CONFIG)).eval()
    ckpt = tmp / 'ruas_a.pth'
    torch.save({'state_dict': model.state_dict()}, ckpt)
    rng = np.random.default_rng(0)
    folder = tmp / 'images'
    folder.mkdir()
    ramp = np.linspace(5, 60, 40, dtype=np.float32)[None, :, None].repeat(30, 0).repeat(3, 2)
    for i, noise in enumerate((0, 0, 80)):
        img = np.clip(ramp + rng.uniform(0, noise, ramp.shape), 0, 255).astype(np.uint8)
        cv2.imwrite(str(folder / f'{i}.png'), img)
    return dict(tmp=tmp, ckpt=ckpt, images=folder, model=model)


def _run(setup: dict, *extra: str, name: str) -> dict:
    out = setup['tmp'] / f'{name}.json'
    assert bench.main([CONFIG, str(setup['ckpt']), str(setup['images']), '--repeats', '2',
                       '--warmup', '1', '--out', str(out), '--overwrite', *extra]) == 0
    return json.loads(out.read_text())


def test_factory_side(setup: dict, capsys) -> None:
    result = _run(setup, '--other', f'{__name__}:make_sync_free',
                  '--factory-args', f'checkpoint={setup["ckpt"]}', name='factory')
    rows = result['latency']
    assert [r['image'] for r in rows] == ['0.png', '1.png', '2.png']
    assert all(r['max_abs_diff'] <= 1e-6 for r in rows)        # same model, other form
    assert all(math.isclose(r['ratio'], r['ours_s'] / r['other_s']) for r in rows)
    geo = math.exp(sum(math.log(r['ratio']) for r in rows) / 3)
    assert math.isclose(result['geometric_mean_ratio'], geo)
    text = capsys.readouterr().out
    assert 'geometric mean of mmruas / other' in text and text.count('.png') == 3


def test_torchscript_export_and_onnx_sides(setup: dict) -> None:
    import copy
    graph = EnhancerGraph(copy.deepcopy(setup['model'].scene)).eval().requires_grad_(False)
    x = torch.rand(1, 3, 30, 40)
    ts = setup['tmp'] / 'ruas_a.ts'
    torch.jit.save(torch.jit.trace(lambda t: graph(t), x), str(ts))  # a function: mmruas
    # modules have properties that TorchScript cannot compile
    rows = _run(setup, '--other', str(ts), '--trust-other', name='ts')['latency']
    assert all(r['max_abs_diff'] <= 1e-5 for r in rows)
    pt2 = setup['tmp'] / 'ruas_a.pt2'
    torch.export.save(torch.export.export(graph, (x,)), str(pt2))
    rows = _run(setup, '--other', str(pt2), '--trust-other', name='pt2')['latency']
    assert all(r['max_abs_diff'] <= 1e-5 for r in rows)
    pytest.importorskip('onnxruntime', reason='onnxruntime is not installed')
    onnx_file = setup['tmp'] / 'ruas_a.onnx'
    export_graph(graph, torch.rand(2, 3, 30, 40), str(onnx_file), exporter='torchscript')
    result = _run(setup, '--other', str(onnx_file), name='onnx')
    assert result['other'].startswith('ONNX Runtime')
    assert all(r['max_abs_diff'] <= 1e-4 for r in result['latency'])


def test_throughput_mode(setup: dict) -> None:
    row = _run(setup, '--mode', 'throughput', '--batch', '3', name='tp')['throughput']
    row = row['mmruas (PyTorch)']
    assert row['batch'] == 3 and row['size'] == [30, 40]
    assert row['max_abs_diff_batch_vs_single'] <= 1e-5
    assert math.isclose(row['speedup'], row['batched_img_s'] / row['single_img_s'])


def test_runs_are_interleaved() -> None:
    calls: list[str] = []
    x = [torch.zeros(1), torch.ones(1)]

    def side(name: str):
        return lambda t: calls.append(f'{name}{int(t.item())}') or [t]

    rows = bench.latency(side('A'), side('B'), x, repeats=2, warmup=0)
    assert calls[4:] == ['A0', 'B0', 'A1', 'B1', 'B0', 'A0', 'B1', 'A1']
    assert len(rows) == 2 and all(r['max_abs_diff'] == 0 for r in rows)


def test_refusals(setup: dict, tmp_path: Path) -> None:
    base = [CONFIG, str(setup['ckpt']), str(setup['images'])]
    with pytest.raises(ToolError, match='needs --other'):
        bench.main(base)
    with pytest.raises(ToolError, match='cannot import no_such_module'):
        bench.main([*base, '--other', 'no_such_module:f'])
    with pytest.raises(ToolError, match='not an nn.Module'):
        bench.main([*base, '--other', f'{__name__}:make_nothing'])
    with pytest.raises(ToolError, match='no image file, folder or glob match'):
        bench.main([CONFIG, str(setup['ckpt']), str(tmp_path / 'none.png')])
    with pytest.raises(ToolError, match='--threads must be >= 1'):
        bench.main([*base, '--threads', '0'])
    junk = tmp_path / 'junk.pt'
    junk.write_bytes(b'not torchscript')
    with pytest.raises(ToolError, match='give --trust-other if you trust this file'):
        bench.main([*base, '--other', str(junk)])
    with pytest.raises(ToolError, match='not a TorchScript file'):
        bench.main([*base, '--other', str(junk), '--trust-other'])
