"""ONNX export (tools/deployment/export_onnx.py, mmruas.deployment) checked with ONNX Runtime.

RUAS_A with the released layout (lol.pt converted when ../shared/reference has it, else
seeded random weights) on a batch holding one image whose noise gate opens and one whose
gate stays closed (the estimator threshold set between their levels), at two sizes other
than the export's (one odd); and a small SSD-like detector with the RUAS scene in its data
preprocessor, compared on its raw head outputs. Every export goes through the tool.
"""
from __future__ import annotations

import os.path as osp
from pathlib import Path

import numpy as np
import pytest
import torch

from mmruas.deployment import (
    TaskGraph,
    flatten_outputs,
    graph_for,
    max_abs_diff,
    onnx_session,
    run_onnx,
)
from mmruas.utils.checkpoints import build_model
from mmruas.utils.cli import ToolError, load_config
from tests.helpers import REFERENCE, REPO
from tests.helpers.tools import load_tool

for _module in ('onnx', 'onnxruntime', 'onnxscript'):
    pytest.importorskip(_module, reason=f'{_module} is not installed (pip install onnx '
                        'onnxruntime onnxscript; versions in requirements.txt)')

ENHANCER_CONFIG = osp.join(REPO, 'configs', 'ruas_enhance', 'ruas_a_released.py')
DETECTOR_CONFIG = osp.join(REPO, 'configs', 'demo', 'demo_det_train.py')
LOL_LOW = osp.join(REFERENCE, 'lol', 'low')
SEGMENTOR_CONFIG = osp.join(REPO, 'configs', 'ruas_deeplabv3plus_acdc.py')
PAD = 'model.data_preprocessor.pad_size_divisor'   # padding inside the graph: odd sizes


export_onnx = load_tool('deployment', 'export_onnx.py')


def _images(h: int, w: int) -> torch.Tensor:
    """Two RGB images in [0, 1]: LOL 00001 (clean, gate closed with the released weights)
    and 00271 (noisy, gate open) resized to h x w, else a smooth and a noisy synthetic one."""
    if osp.isfile(osp.join(LOL_LOW, '00271.png')):
        import cv2
        imgs = [cv2.resize(cv2.imread(osp.join(LOL_LOW, f'{n}.png'))[..., ::-1], (w, h),
                           interpolation=cv2.INTER_AREA) for n in ('00001', '00271')]
        return torch.from_numpy(np.stack(imgs)).permute(0, 3, 1, 2).float() / 255
    gen = torch.Generator().manual_seed(1)
    ramp = torch.linspace(0.02, 0.2, w).expand(3, h, w)
    noisy = (ramp + 0.2 * torch.rand(3, h, w, generator=gen)).clamp(0, 1)
    return torch.stack([ramp, noisy])


def _enhancer() -> torch.nn.Module:
    model = build_model(load_config(ENHANCER_CONFIG))
    lol = osp.join(REFERENCE, 'weights', 'lol.pt')
    if osp.isfile(lol):
        from mmruas.scene.released import convert_released_state_dict
        model.scene.load_state_dict(convert_released_state_dict(
            torch.load(lol, map_location='cpu', weights_only=True)), strict=True)
    else:
        torch.manual_seed(0)
        for p in model.scene.parameters():
            p.data.normal_(0, 0.2)
    return model.eval()


def _levels(model: torch.nn.Module, y: torch.Tensor) -> torch.Tensor:
    scene = model.scene
    with torch.no_grad():
        return scene.estimator.level(scene.estimator(scene.iem(y)[0][-1]))


@pytest.fixture(scope='module')
def enhancer(tmp_path_factory) -> dict:
    """The enhancer exported by the tool at 2x3x40x56, with the threshold between the
    levels of the two test images at both check sizes."""
    tmp = tmp_path_factory.mktemp('onnx_enhancer')
    model = _enhancer()
    levels = torch.stack([_levels(model, _images(h, w)) for h, w in ((48, 64), (37, 53))])
    low, high = float(levels[:, 0].max()), float(levels[:, 1].min())
    assert low < 0.8 * high, f'test images do not separate: levels {levels.tolist()}'
    threshold = (low + high) / 2
    model.scene.estimator.threshold = threshold
    ckpt = tmp / 'ruas_a.pth'
    torch.save({'state_dict': model.state_dict()}, ckpt)
    out = tmp / 'ruas_a.onnx'
    assert export_onnx.main([ENHANCER_CONFIG, str(ckpt), str(out), '--shape', '40', '56',
                             '--cfg-options', f'model.scene.estimator.threshold={threshold}']
                            ) == 0
    return dict(model=model, onnx=out, session=onnx_session(out, threads=1), ckpt=ckpt)


@pytest.mark.parametrize('size', [(48, 64), (37, 53)])
def test_enhancer_onnx_equals_pytorch(enhancer: dict, size: tuple[int, int]) -> None:
    model, y = enhancer['model'], _images(*size)
    with torch.no_grad():
        out = model.scene(y)
        u = out.us[-1]
    assert out.gate.tolist() == [False, True]          # one gate shut, one open
    onnx_out = run_onnx(enhancer['session'], y)[0]
    assert onnx_out.shape == (2, 3, *size)
    assert max_abs_diff([out.output], [onnx_out]) <= 1e-4
    # the graph's Where: the closed image is uᴷ, the open one NRM(uᴷ) (visibly different)
    assert np.abs(onnx_out[0] - u[0].numpy()).max() <= 1e-4
    assert np.abs(onnx_out[1] - u[1].numpy()).max() > 1e-2
    # one image at a time (batch 1) gives the same as in the batch
    single = run_onnx(enhancer['session'], y[1:])[0]
    assert np.abs(single[0] - onnx_out[1]).max() <= 1e-5


def test_enhancer_graph_keeps_the_gate_as_where(enhancer: dict) -> None:
    import onnx
    graph = onnx.load(str(enhancer['onnx'])).graph
    ops = {node.op_type for node in graph.node}
    assert 'Where' in ops and 'GreaterOrEqual' in ops
    assert not ops & {'If', 'Loop', 'NonZero'}          # no data-dependent control flow
    dims = [d.dim_param or d.dim_value for d in graph.input[0].type.tensor_type.shape.dim]
    assert dims[1] == 3 and all(isinstance(d, str) for d in (dims[0], dims[2], dims[3]))


def test_export_tool_refuses_bad_input(enhancer: dict, tmp_path: Path) -> None:
    main = export_onnx.main
    with pytest.raises(ToolError, match='exists; refusing'):
        main([ENHANCER_CONFIG, str(enhancer['ckpt']), str(enhancer['onnx'])])
    state = torch.load(enhancer['ckpt'], weights_only=True)['state_dict']
    state.pop('scene.nrm.tail.bias')
    broken = tmp_path / 'broken.pth'
    torch.save({'state_dict': state}, broken)
    with pytest.raises(ToolError, match=r'does not fit the model \(missing keys: '
                       r'scene.nrm.tail.bias\)$'):
        main([ENHANCER_CONFIG, str(broken), str(tmp_path / 'a.onnx')])
    with pytest.raises(ToolError, match='must differ'):
        main([ENHANCER_CONFIG, str(enhancer['ckpt']), str(tmp_path / 'a.onnx'),
              '--shape', '40', '56', '--check-shape', '40', '56'])
    with pytest.raises(ToolError, match='must end with .onnx'):
        main([ENHANCER_CONFIG, str(enhancer['ckpt']), str(tmp_path / 'a.pth')])
    assert not list(tmp_path.glob('*.onnx')) and not list(tmp_path.glob('.*'))


def test_graph_for_refuses_other_models() -> None:
    with pytest.raises(ValueError, match='neither an enhancer'):
        graph_for(torch.nn.Conv2d(3, 3, 1))


@pytest.fixture(scope='module')
def detector(tmp_path_factory) -> dict:
    """The demo SSD (narrow ResNet-18, searched neck/head, RUAS_S scene in the data
    preprocessor, padding to a multiple of 32) with seeded random weights, exported by the
    tool at 2x3x96x96."""
    tmp = tmp_path_factory.mktemp('onnx_detector')
    torch.manual_seed(0)
    model = build_model(load_config(DETECTOR_CONFIG, {PAD: 32})).eval()
    with torch.no_grad():   # BN statistics other than 0/1, so normalisation is exercised
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
    ckpt = tmp / 'det.pth'
    torch.save({'state_dict': model.state_dict()}, ckpt)
    out = tmp / 'det.onnx'
    assert export_onnx.main([DETECTOR_CONFIG, str(ckpt), str(out), '--shape', '96', '96',
                             '--cfg-options', f'{PAD}=32']) == 0
    return dict(graph=graph_for(model), session=onnx_session(out, threads=1))


def test_detector_graph_preprocess_equals_the_data_preprocessor(detector: dict) -> None:
    graph = detector['graph']
    assert isinstance(graph, TaskGraph)
    img = torch.rand(2, 3, 50, 70, generator=torch.Generator().manual_seed(3)) * 255
    with torch.no_grad():
        ours = graph.preprocess(img)
        theirs = graph.model.data_preprocessor({'inputs': img}, False)['inputs']
    assert ours.shape == theirs.shape == (2, 3, 64, 96) and torch.equal(ours, theirs)


def test_segmentor_graph_preprocess_equals_the_data_preprocessor() -> None:
    """mmseg's preprocessor (RUASSegDataPreprocessor, padding to a multiple of 32 at test
    time) at the tiny test scale of tests/unit/seg/test_segmentation.py."""
    from mmseg.structures import SegDataSample
    bn = dict(type='BN', requires_grad=True)
    cfg = load_config(SEGMENTOR_CONFIG)
    cfg.model.update(pretrained=None)
    cfg.model.backbone.update(depth=18, base_channels=8, stem_channels=8, norm_cfg=bn)
    cfg.model.decode_head.update(in_channels=64, channels=16, c1_in_channels=8,
                                 c1_channels=8, norm_cfg=bn)
    cfg.model.auxiliary_head.update(in_channels=32, channels=8, norm_cfg=bn)
    cfg.model.data_preprocessor.update(scene_checkpoint=None, test_cfg=dict(size_divisor=32))
    torch.manual_seed(0)
    graph = graph_for(build_model(cfg))
    assert isinstance(graph, TaskGraph)
    img = torch.rand(2, 3, 50, 70, generator=torch.Generator().manual_seed(4)) * 255
    samples = [SegDataSample(metainfo=dict(img_shape=(50, 70))) for _ in range(2)]
    with torch.no_grad():
        ours = graph.preprocess(img)
        theirs = graph.model.data_preprocessor(
            {'inputs': list(img), 'data_samples': samples}, False)['inputs']
        logits = graph(img)[0]
    assert ours.shape == theirs.shape == (2, 3, 64, 96) and torch.equal(ours, theirs)
    assert logits.shape == (2, 19, 16, 24)


@pytest.mark.parametrize('shape', [(1, 80, 112), (2, 65, 97)])
def test_detector_onnx_equals_pytorch(detector: dict, shape: tuple[int, int, int]) -> None:
    n, h, w = shape
    img = torch.rand(n, 3, h, w, generator=torch.Generator().manual_seed(h)) * 255
    with torch.no_grad():
        ref = flatten_outputs(detector['graph'](img))
    ours = run_onnx(detector['session'], img)
    assert len(ours) == len(ref) == 12                 # 6 levels x (class scores, deltas)
    assert [o.shape for o in ours] == [tuple(r.shape) for r in ref]
    assert ref[0].shape[0] == n and ref[0].shape[1] == 4 * 13   # 4 anchors x 13 classes
    assert max_abs_diff(ref, ours) <= 1e-4


@pytest.mark.parametrize('variant', ['RUAS_S', 'RUAS'])
def test_other_variants_with_the_legacy_exporter(variant: str, tmp_path: Path,
                                                 capsys) -> None:
    """RUAS_S and RUAS through the tool, with the deprecated TorchScript exporter (fast)."""
    option = f'model.scene.variant={variant}'
    torch.manual_seed(0)
    model = build_model(load_config(ENHANCER_CONFIG, {'model.scene.variant': variant}))
    ckpt, out = tmp_path / 'm.pth', tmp_path / 'm.onnx'
    torch.save({'state_dict': model.state_dict()}, ckpt)
    assert export_onnx.main([ENHANCER_CONFIG, str(ckpt), str(out), '--legacy-exporter',
                             '--shape', '32', '40', '--cfg-options', option]) == 0
    printed = capsys.readouterr().out
    diff = float(printed.split('max abs diff ')[1].split()[0])
    assert 'torchscript exporter' in printed and diff <= 1e-4 and out.is_file()
    y = _images(29, 45)
    with torch.no_grad():
        ref = model.eval().scene(y).output
    assert max_abs_diff([ref], run_onnx(onnx_session(out), y)) <= 1e-4
