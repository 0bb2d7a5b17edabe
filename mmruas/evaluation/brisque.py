"""BRISQUE (Mittal et al., IEEE TIP 2012): a no-reference quality score, lower is better.

The score comes from the ``brisque`` package (PyPI ``brisque==0.2.0``), whose SVM
regressor and feature normalisation ship inside the package (``brisque/models``): nothing
is downloaded (the package's URL mode is never used). It needs ``libsvm-official`` and
imports ``requests``. The prediction is quantized to 8-bit exactly as for PSNR/SSIM
(:func:`~mmruas.evaluation.metrics.quantize_8bit`); no ground truth is read.

NIQE is :mod:`mmruas.evaluation.niqe` (the MATLAB release's model, read from the copy that
ships in basicsr).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..registry import METRICS
from .metrics import _field, _ImageMetric, quantize_8bit

__all__ = ['BRISQUE', 'brisque_score']

_MODEL = None


def brisque_score(img: np.ndarray) -> float:
    """BRISQUE of an H x W x 3 uint8 RGB image (the package's shipped model)."""
    global _MODEL
    if _MODEL is None:
        try:
            from brisque import BRISQUE as _Brisque
        except ImportError as exc:
            raise ImportError('the BRISQUE metric needs the packages brisque==0.2.0 and '
                              f'libsvm-official ({exc})') from None
        _MODEL = _Brisque(url=False)
    if img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
        raise ValueError(f'brisque_score expects H x W x 3 uint8, got {img.shape} {img.dtype}')
    return float(_MODEL.score(img))


@METRICS.register_module()
class BRISQUE(_ImageMetric):
    """Mean BRISQUE of ``pred_img`` (no reference; lower is better).

    Args:
        crop_border: pixels removed on each side before scoring.
        quantize: 'round' (default) or 'floor'.
        print_per_image: log a per-image table in ``compute_metrics``.
    """

    metric_name = 'BRISQUE'

    def process(self, data_batch: object, data_samples: Sequence[dict]) -> None:
        """Score every sample's prediction; keep ``(img_path, value)``."""
        for i, sample in enumerate(data_samples):
            name = str(sample.get('img_path', f'sample {len(self.results) + i}'))
            pred = quantize_8bit(_field(sample, 'pred_img', name), self.quantize)
            c = self.crop_border
            if c:
                if min(pred.shape[:2]) <= 2 * c:
                    raise ValueError(f'crop_border={c} removes all of {name}')
                pred = pred[c:-c, c:-c]
            self.results.append((name, brisque_score(np.ascontiguousarray(pred))))
