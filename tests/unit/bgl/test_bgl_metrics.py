"""BRISQUE (no reference) from the brisque package's shipped model."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from skimage import data, util

import mmruas  # noqa: F401
from mmruas.registry import METRICS


def _chw(img: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(img.transpose(2, 0, 1).astype(np.float32) / 255.0)


def test_brisque_ranks_noise_and_matches_the_package():
    from brisque import BRISQUE as Reference

    clean = data.astronaut()[::2, ::2].copy()
    noisy = util.img_as_ubyte(util.random_noise(clean, var=0.01, rng=0))
    metric = METRICS.build(dict(type='BRISQUE'))
    metric.process(None, [dict(pred_img=_chw(clean), img_path='clean.png'),
                          dict(pred_img=_chw(noisy), img_path='noisy.png')])
    (_, s_clean), (_, s_noisy) = metric.results
    ref = Reference(url=False)
    assert s_clean == pytest.approx(ref.score(clean), abs=1e-9)
    assert s_noisy == pytest.approx(ref.score(noisy), abs=1e-9)
    assert s_noisy > s_clean + 20                           # noise is penalised
    out = metric.compute_metrics(metric.results)
    assert out['BRISQUE'] == pytest.approx((s_clean + s_noisy) / 2)
