"""to_image / side_by_side and the EnhanceVisualizationHook."""
from __future__ import annotations

import os.path as osp
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch
from mmengine.structures import BaseDataElement

from mmruas.engine.hooks import EnhanceVisualizationHook
from mmruas.registry import HOOKS
from mmruas.visualization import side_by_side, to_image


def test_to_image_clips_scales_rounds_and_flips_to_bgr():
    x = torch.tensor([[[-0.5, 0.5]], [[0.2, 1.0]], [[2.0, 0.0]]])  # R, G, B planes
    img = to_image(x)
    assert img.shape == (1, 2, 3) and img.dtype == np.uint8
    np.testing.assert_array_equal(img[0, 0], [255, 51, 0])
    np.testing.assert_array_equal(img[0, 1], [0, 255, 128])  # 127.5 -> 128 (half to even)
    expected = (np.clip(x.numpy(), 0, 1) * 255).round().astype(np.uint8)
    np.testing.assert_array_equal(img, expected.transpose(1, 2, 0)[..., ::-1])
    deep = to_image(x, bit_depth=16)
    assert deep.dtype == np.uint16 and deep[0, 1, 1] == 65535 and deep[0, 1, 2] == 32768
    with pytest.raises(ValueError):
        to_image(x, bit_depth=12)


def test_side_by_side():
    a, b = np.zeros((4, 3, 3), np.uint8), np.ones((4, 5, 3), np.uint8)
    out = side_by_side([a, b, a])
    assert out.shape == (4, 11, 3) and out[:, 3:8].min() == 1
    with pytest.raises(ValueError):
        side_by_side([a, np.zeros((5, 3, 3), np.uint8)])


def _batch(h=6, w=8, n=2):
    inputs = [torch.randint(0, 256, (3, h, w), dtype=torch.uint8) for _ in range(n)]
    samples = []
    for i in range(n):
        s = BaseDataElement(metainfo=dict(img_path=f'/data/low/img{i}.jpg'))
        s.pred_img = torch.rand(3, h, w)
        s.pred_illumination = torch.rand(3, h, w)
        samples.append(s)
    return dict(inputs=inputs), samples


def test_hook_is_built_from_the_default_runtime_config():
    from mmengine.registry import HOOKS as ROOT_HOOKS
    from mmengine.registry import DefaultScope

    assert HOOKS.module_dict['EnhanceVisualizationHook'] is EnhanceVisualizationHook
    with DefaultScope.overwrite_default_scope('mmruas'):
        hook = ROOT_HOOKS.build(dict(type='EnhanceVisualizationHook', draw=False))
    assert isinstance(hook, EnhanceVisualizationHook) and not hook.draw


def test_hook_writes_side_by_side_pngs_in_test(tmp_path):
    runner = SimpleNamespace(work_dir=str(tmp_path), timestamp='20240101_000000')
    data, outputs = _batch()
    EnhanceVisualizationHook(draw=False, test_out_dir='vis').after_test_iter(
        runner, 0, data, outputs)
    assert not (tmp_path / '20240101_000000').exists()
    EnhanceVisualizationHook(draw=True, test_out_dir='vis').after_test_iter(
        runner, 0, data, outputs)
    out_dir = osp.join(tmp_path, '20240101_000000', 'vis')
    img = cv2.imread(osp.join(out_dir, 'img0.png'))
    assert img.shape == (6, 24, 3)
    np.testing.assert_array_equal(img[:, :8], data['inputs'][0].permute(1, 2, 0).numpy())
    np.testing.assert_array_equal(img[:, 8:16], to_image(outputs[0].pred_img))
    np.testing.assert_array_equal(img[:, 16:], to_image(outputs[0].pred_illumination))
    assert osp.isfile(osp.join(out_dir, 'img1.png'))


def test_hook_adds_rgb_images_to_visualizer_every_interval():
    added = []
    visualizer = SimpleNamespace(add_image=lambda name, img, step: added.append((name, img)))
    runner = SimpleNamespace(visualizer=visualizer, iter=100)
    hook = EnhanceVisualizationHook(draw=True, interval=2)
    data, outputs = _batch(n=1)
    for batch_idx in range(4):
        hook.after_val_iter(runner, batch_idx, data, outputs)
    assert [name for name, _ in added] == ['val_img0.jpg', 'val_img0.jpg']
    rgb = added[0][1]
    assert rgb.shape == (6, 24, 3)
    np.testing.assert_array_equal(rgb[:, :8], data['inputs'][0].flip(0).permute(1, 2, 0))
