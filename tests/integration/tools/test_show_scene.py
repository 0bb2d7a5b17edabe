"""tools/analysis_tools/show_scene.py: input, scene output and detections side by side."""
from __future__ import annotations

import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmruas.det.datasets import make_mini_exdark
from mmruas.utils.checkpoints import build_model
from mmruas.utils.cli import ToolError
from tests.helpers.tools import REPO, load_tool

SIZE, TITLE = 192, 18


@pytest.fixture(scope='module')
def tool():
    return load_tool('analysis_tools', 'show_scene.py')


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    """Two randomly initialised detectors on a 2-image mini set: (config, checkpoint) of
    the demo's RUAS_S + SSD and of the same SSD without the scene module; the scene model."""
    demo = load_tool('demo.py')
    root = tmp_path_factory.mktemp('show')
    data = str(root / 'mini_exdark') + '/'
    make_mini_exdark(data, seed=0, n_train=1, n_val=0, n_test=2)
    out, models = [], []
    for name in ('scene', 'plain'):
        cfg = Config.fromfile(str(REPO / 'configs' / 'demo' / 'demo_det_train.py'))
        if name == 'plain':
            demo.no_scene(cfg.model)
        cfg.test_dataloader.dataset.data_root = data
        path = str(root / name / 'train.py')
        torch.manual_seed(0)
        model = build_model(cfg)
        ckpt = str(root / name / 'model.pth')
        os.makedirs(osp.dirname(path))
        cfg.dump(path)
        torch.save({'state_dict': model.state_dict()}, ckpt)
        out.append((path, ckpt))
        models.append(model.eval())
    return out, models[0], data


def argv(runs, out, *extra):
    pairs = runs[0]
    return ['--run', *pairs[0], '--run', *pairs[1], '--labels', 'ruas', 'tm', '--out',
            str(out), *extra]


def test_panels_are_the_input_and_the_scene_output(tool, runs, tmp_path):
    out = tmp_path / 'fig.png'
    assert tool.main(argv(runs, out)) == 0
    grid = cv2.imread(str(out))
    # 2 images; panels: input | ruas scene output | ruas detections | tm detections
    assert grid.shape == (2 * (SIZE + TITLE), 4 * SIZE, 3)
    model = runs[1]
    # independent computation of the first image: cv2 resize (mmcv's bilinear), the scene
    # on RGB in [0, 1], 8 bits, compared with the second panel of the first row
    tool_ds = tool.load_run(*runs[0][0])[1]
    img = cv2.imread(tool_ds.get_data_info(0)['img_path'], cv2.IMREAD_COLOR)
    small = cv2.resize(img, (SIZE, SIZE), interpolation=cv2.INTER_LINEAR)
    x = torch.from_numpy(small[..., ::-1].copy()).permute(2, 0, 1)[None].float() / 255
    with torch.no_grad():
        y = model.data_preprocessor.scene(x).output[0].clamp(0, 1)
    expect = (y.permute(1, 2, 0).numpy() * 255 + 0.5).astype(np.uint8)[..., ::-1]
    panel = grid[TITLE:TITLE + SIZE, SIZE:2 * SIZE]
    assert np.abs(panel.astype(int) - expect).max() <= 1
    # the input panel is the input x8 (clipped) wherever no box line is drawn
    shown = np.clip(small.astype(np.float32) * 8, 0, 255).astype(np.uint8)
    same = (np.abs(grid[TITLE:TITLE + SIZE, :SIZE].astype(int) - shown) <= 1).all(-1)
    assert same.mean() > 0.8


def test_boxes_are_mapped_to_the_input_frame(tool):
    from mmdet.structures import DetDataSample
    from mmengine.structures import InstanceData
    packed = DetDataSample(metainfo=dict(scale_factor=(0.5, 2.0)))
    info = dict(instances=[dict(bbox=[10, 20, 30, 40], bbox_label=3, ignore_flag=0),
                           dict(bbox=[0, 0, 5, 5], bbox_label=1, ignore_flag=1)])
    gt = tool.ground_truth(info, packed)
    assert gt.gt_instances.bboxes.tolist() == [[5, 40, 15, 80]]
    assert gt.gt_instances.labels.tolist() == [3]
    pred = DetDataSample(metainfo=dict(scale_factor=(0.5, 2.0)))
    pred.pred_instances = InstanceData(bboxes=torch.tensor([[10., 20., 30., 40.]]),
                                       scores=torch.tensor([0.9]), labels=torch.tensor([0]))
    assert tool.to_input_frame(pred).pred_instances.bboxes.tolist() == [[5, 40, 15, 80]]
    assert pred.pred_instances.bboxes.tolist() == [[10, 20, 30, 40]]   # input untouched


def test_refusals_are_one_line_and_write_nothing(tool, runs, tmp_path):
    out = tmp_path / 'fig.png'
    out.write_bytes(b'keep')
    with pytest.raises(ToolError, match='exists; refusing'):
        tool.main(argv(runs, out))
    assert out.read_bytes() == b'keep'
    ckpt = runs[0][1][1]
    before = open(ckpt, 'rb').read()
    with pytest.raises(ToolError, match='would overwrite the input'):
        tool.main(argv(runs, ckpt, '--overwrite'))
    assert open(ckpt, 'rb').read() == before
    with pytest.raises(ToolError, match='--labels: 1 names for 2'):
        tool.main(['--run', *runs[0][0], '--run', *runs[0][1], '--labels', 'ruas', '--out',
                   str(tmp_path / 'a.png')])
    with pytest.raises(ToolError, match='test set has 2 images'):
        tool.main(argv(runs, tmp_path / 'b.png', '--indices', '2'))
    with pytest.raises(ToolError, match='no such file|not found|does not exist'):
        tool.main(['--run', runs[0][0][0], str(tmp_path / 'none.pth'), '--out',
                   str(tmp_path / 'c.png')])
    assert not (tmp_path / 'a.png').exists() and not (tmp_path / 'b.png').exists()
