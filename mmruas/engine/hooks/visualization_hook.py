"""Draw ``input | output | illumination t`` during validation and testing."""
from __future__ import annotations

import os
import os.path as osp
from collections.abc import Sequence

import numpy as np
import torch
from mmengine.hooks import Hook

from ...registry import HOOKS
from ...utils.safe_io import write_image
from ...visualization import side_by_side, to_image

__all__ = ['EnhanceVisualizationHook']


def input_to_float(img: torch.Tensor, max_value: float | None = None) -> torch.Tensor:
    """A C×H×W integer BGR input -> float RGB in [0, 1] (by ``max_value`` or the dtype)."""
    if max_value is None:
        max_value = 255.0 if img.dtype == torch.uint8 else (
            1.0 if img.is_floating_point() else 65535.0)
    return (img.float() / max_value).flip(0)


@HOOKS.register_module()
class EnhanceVisualizationHook(Hook):
    """Save or log side-by-side images of the enhancer's inputs and predictions.

    Args:
        draw: whether to draw at all (off by default; ``tools/test.py --show-dir`` turns
            it on).
        interval: during validation, draw every ``interval`` iterations.
        test_out_dir: during testing, PNGs go to
            ``work_dir/<timestamp>/<test_out_dir>/<input stem>.png``; when ``None`` the
            images go to the runner's visualizer instead.
    """

    priority = 'NORMAL'

    def __init__(self, draw: bool = False, interval: int = 1,
                 test_out_dir: str | None = None) -> None:
        if interval < 1:
            raise ValueError(f'interval must be >= 1, got {interval}')
        self.draw = draw
        self.interval = interval
        self.test_out_dir = test_out_dir

    @staticmethod
    def render(data_batch: dict, outputs: Sequence) -> list[tuple[str, np.ndarray]]:
        """(input file name, 8-bit BGR ``input | output | t``) for every output sample."""
        inputs = data_batch['inputs']
        results = []
        for i, sample in enumerate(outputs):
            out = sample.pred_img
            h, w = out.shape[-2:]
            max_value = sample.metainfo.get('max_value')
            x = input_to_float(inputs[i].detach().cpu(), max_value)[:, :h, :w]
            panels = [to_image(x), to_image(out)]
            if 'pred_illumination' in sample:
                panels.append(to_image(sample.pred_illumination))
            name = osp.basename(sample.metainfo.get('img_path', f'{i:06d}.png'))
            results.append((name, side_by_side(panels)))
        return results

    def after_val_iter(self, runner, batch_idx: int, data_batch: dict | None = None,
                       outputs: Sequence | None = None) -> None:
        if not self.draw or not outputs or not self.every_n_inner_iters(batch_idx,
                                                                         self.interval):
            return
        for name, img in self.render(data_batch, outputs):
            runner.visualizer.add_image(f'val_{name}', img[..., ::-1], step=runner.iter)

    def after_test_iter(self, runner, batch_idx: int, data_batch: dict | None = None,
                        outputs: Sequence | None = None) -> None:
        if not self.draw or not outputs:
            return
        out_dir = None
        if self.test_out_dir is not None:
            out_dir = osp.join(runner.work_dir, runner.timestamp, self.test_out_dir)
            os.makedirs(out_dir, exist_ok=True)
        for name, img in self.render(data_batch, outputs):
            if out_dir is None:
                runner.visualizer.add_image(f'test_{name}', img[..., ::-1], step=batch_idx)
            else:
                write_image(osp.join(out_dir, osp.splitext(name)[0] + '.png'), img, overwrite=True)
