"""LOE, the lightness order error of Wang et al. (IEEE TIP 2013, BGL ref. [39]); lower is better.

Lightness is the maximum over R, G, B. For every pixel ``x`` of a down-sampled grid,
``RD(x)`` counts the grid pixels ``y`` whose order relative to ``x`` (``L(y) >= L(x)``)
differs between the input image and the enhanced one; LOE is the mean of ``RD`` over the
grid. A pure gain (every lightness multiplied by one factor > 0) keeps all orders: LOE 0.

Down-sampling follows the authors' released MATLAB code (the LOE values enhancement papers
report come from it), which differs from the paper's text (an image resize by
``50 / min(m, n)``): the lightness is first replaced by its maximum over a
``(2 * 7 + 1)``-pixel square window (mirror padding without repeating the edge), then
sampled every ``step = floor(min(m, n) / 50)`` pixels, at 1-based positions
``step, 2 step, ...`` (``floor(m / step)`` rows). With ``step`` 0 (an image under 50 pixels)
the MATLAB code fails; here ``step`` is then 1 (our choice).

No maintained Python package computes LOE (pyiqa and piq do not have it), hence this
implementation (numpy and OpenCV only).

The input is the low-light image the enhancer saw: by default the batch's ``inputs``
(the loaded image, BGR, integer, scaled by the sample's ``max_value``); with ``input_key``
a float RGB field of the data sample (``'pred_raw_rgb'``: BGL's generated low-light sRGB,
the input of its enhancement module, for RAW inputs).
"""
from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import torch

from ..registry import METRICS
from .metrics import _field, _ImageMetric, quantize_8bit

__all__ = ['LOE', 'loe']


def _lightness_grid(img: np.ndarray, win: int, grid: int) -> np.ndarray:
    light = img.astype(np.float64).max(axis=2)
    if win:
        kernel = np.ones((2 * win + 1, 2 * win + 1), np.uint8)
        light = cv2.dilate(light, kernel, borderType=cv2.BORDER_REFLECT_101)
    m, n = light.shape
    step = max(min(m, n) // grid, 1)
    rows = np.arange(1, m // step + 1) * step - 1
    cols = np.arange(1, n // step + 1) * step - 1
    return light[np.ix_(rows, cols)].ravel()


def loe(inp: np.ndarray, enhanced: np.ndarray, win: int = 7, grid: int = 50) -> float:
    """LOE of an enhanced H x W x 3 image against its input (same size, any range).

    ``win``: half-width of the local maximum (0: none); ``grid``: the target number of
    samples along the shorter side (the released code's 7 and 50).
    """
    if inp.shape != enhanced.shape or inp.ndim != 3:
        raise ValueError(f'loe: expected two H x W x C images of one size, got {inp.shape} '
                         f'and {enhanced.shape}')
    a, b = _lightness_grid(inp, win, grid), _lightness_grid(enhanced, win, grid)
    total = 0
    for start in range(0, a.size, 1024):  # chunks keep the pairwise table small
        ga = a[None, :] >= a[start:start + 1024, None]
        gb = b[None, :] >= b[start:start + 1024, None]
        total += int(np.count_nonzero(ga != gb))
    return total / a.size


def _input_image(data_batch: object, index: int, sample: dict, name: str) -> np.ndarray:
    """The batch's ``inputs[index]`` (BGR, integer) as float RGB in [0, 1], 3 x H x W."""
    inputs = data_batch.get('inputs') if isinstance(data_batch, dict) else None
    if inputs is None or index >= len(inputs):
        raise KeyError(f"LOE needs the input image of {name}: the batch has no 'inputs' "
                       "(or set input_key to a data-sample field)")
    x = inputs[index]
    x = x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)
    if x.ndim != 3 or x.shape[0] != 3:
        raise ValueError(f'LOE: input of {name} has shape {x.shape}, not a 3-channel image; '
                         "for RAW inputs use input_key='pred_raw_rgb'")
    max_value = float(sample.get('max_value', 255 if x.dtype == np.uint8 else 1.0))
    return x[::-1].astype(np.float32) / max_value


@METRICS.register_module()
class LOE(_ImageMetric):
    """Mean lightness order error of ``pred_img`` against the input image (lower is better).

    Both images are quantized to 8 bits (as for PSNR) before the lightness is taken.

    Args:
        input_key: ``None`` (the batch's ``inputs``) or a float RGB data-sample field,
            e.g. ``'pred_raw_rgb'`` for BGL.
        win, grid: the released code's local-maximum half-width (7) and grid size (50).
        crop_border, quantize, print_per_image, pred_key: as for PSNR.
    """

    metric_name = 'LOE'

    def __init__(self, input_key: str | None = None, win: int = 7, grid: int = 50,
                 crop_border: int = 0, print_per_image: bool = False, **kwargs) -> None:
        super().__init__(crop_border, print_per_image, **kwargs)
        if win < 0 or grid < 1:
            raise ValueError(f'LOE: need win >= 0 and grid >= 1, got {win}, {grid}')
        self.input_key, self.win, self.grid = input_key, int(win), int(grid)

    def process(self, data_batch: object, data_samples: Sequence[dict]) -> None:
        """Score every sample against its input; keep ``(img_path, value)``."""
        for i, sample in enumerate(data_samples):
            name = str(sample.get('img_path', f'sample {len(self.results) + i}'))
            pred = quantize_8bit(_field(sample, self.pred_key, name), self.quantize)
            if self.input_key is None:
                src = _input_image(data_batch, i, sample, name)
            else:
                src = _field(sample, self.input_key, name)
            h, w = pred.shape[:2]
            src = quantize_8bit(src[:, :h, :w])  # inputs may be padded beyond the output
            if src.shape != pred.shape:
                raise ValueError(f'LOE: input {src.shape[:2]} and {self.pred_key} '
                                 f'{pred.shape[:2]} differ in size for {name}')
            c = self.crop_border
            if c:
                if min(h, w) <= 2 * c:
                    raise ValueError(f'crop_border={c} removes all of {name}')
                pred, src = pred[c:-c, c:-c], src[c:-c, c:-c]
            self.results.append((name, loe(src, pred, self.win, self.grid)))
