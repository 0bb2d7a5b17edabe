"""Exact tiled inference (mmruas/scene/tiling.py): tiled = full image, every pixel."""
from __future__ import annotations

import pytest
import torch

from mmruas.scene import RUAS, NoiseEstimator, tiling
from mmruas.scene.tiling import scene_halos, tiled_scene


def _scene(variant: str, seed: int = 0) -> RUAS:
    torch.manual_seed(seed)
    scene = RUAS(variant).eval()
    for p in scene.iem.parameters():        # livelier than the default init: visible halos
        p.data.mul_(3)
    return scene


def _images(b: int, h: int, w: int, seed: int = 1) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    y = torch.rand(b, 3, h, w, generator=g) * 0.25
    y[-1] += torch.rand(3, h, w, generator=g) * 0.4       # a noisier last image
    return y.clamp(0, 1)


def _split_gate(scene: RUAS, y: torch.Tensor) -> None:
    """Threshold between the two images' levels, so that one gate opens and one stays shut."""
    with torch.no_grad():
        lo, hi = NoiseEstimator.level(scene.estimator(scene.iem(y)[0][-1])).sort().values
    assert lo < hi
    scene.estimator.threshold = float(lo + hi) / 2


@pytest.mark.parametrize('variant', ['RUAS_S', 'RUAS', 'RUAS_A'])
@pytest.mark.parametrize('size,tile', [((70, 95), 24), ((70, 95), 33), ((23, 31), 5),
                                       ((20, 30), 64), ((64, 64), 32)])
def test_tiled_equals_full(variant, size, tile, device, one_thread, monkeypatch):
    # cuDNN's TF32 convolutions (torch's default on GPUs) round inputs to 10 mantissa bits,
    # with algorithms that depend on the input size: whole and tiled then agree only to TF32's
    # ~1e-3. Exactness is checked in full float32.
    monkeypatch.setattr(torch.backends.cudnn, 'allow_tf32', False)
    scene = _scene(variant).to(device)
    y = _images(2, *size).to(device)
    if variant == 'RUAS_A':
        _split_gate(scene, y)
    with torch.no_grad():
        full = scene(y)
    out, t = tiled_scene(scene, y, tile, return_illumination=True)
    assert (out - full.output).abs().max() <= 1e-5
    assert (t - full.ts[-1]).abs().max() <= 1e-5
    if variant == 'RUAS_A':
        assert sorted(full.gate.tolist()) == [False, True]


def test_halo_is_what_makes_it_exact(monkeypatch, one_thread):
    """Without halos the tile borders show (so the test above can fail), and the radii bound
    the true reach: a one-pixel change moves no output pixel farther away than they say."""
    scene = _scene('RUAS')
    y = _images(1, 70, 95)
    with torch.no_grad():
        full = scene(y).output
    monkeypatch.setattr(tiling, 'scene_halos', lambda s: (0, 0, 0))
    assert (tiled_scene(scene, y, 24)[0] - full).abs().max() > 1e-3
    monkeypatch.undo()
    iem_r, _, nrm_r = scene_halos(scene)
    y2 = y.clone()
    y2[..., 35, 47] += 0.3
    with torch.no_grad():
        diff = (scene(y2).output - full).abs().amax(dim=(0, 1))
    rows, cols = torch.nonzero(diff > 0, as_tuple=True)
    reach = max(int((rows - 35).abs().max()), int((cols - 47).abs().max()))
    assert 0 < reach <= iem_r + nrm_r


def test_bad_tile_and_training_mode():
    scene = _scene('RUAS_S')
    with pytest.raises(ValueError, match='positive'):
        tiled_scene(scene, _images(1, 8, 8), 0)
    with pytest.raises(ValueError, match='eval mode'):
        tiled_scene(scene.train(), _images(1, 8, 8), 4)
