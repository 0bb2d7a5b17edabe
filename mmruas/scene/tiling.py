"""Exact tiled inference of the RUAS scene module (docs/deployment.md#tiled-inference).

The output of a tiled run equals the full-image run: every tile is computed with a halo of
the network's receptive field, so the pixels kept from it saw exactly what they see in the
full image (zero padding only at the image border, never at a tile border), and the noise
gate's level — a mean over the whole image — is accumulated over all tiles before any tile
is denoised. Two passes:

1. per tile (halo = IEM + estimator radius): the IEM gives uᴷ (and tᴷ) on the tile and the
   estimator's |θ| is summed over the tile; uᴷ is kept for the whole image;
2. per tile (halo = NRM radius) of the kept uᴷ, for the images whose gate opens (RUAS_A)
   or every image (RUAS): the NRM.

Peak memory: the image-sized uᴷ, output (and tᴷ if asked) plus one tile's activations,
independent of the image size beyond those. The halos are upper bounds of the receptive
field (every convolution's reach added up, a shared cell counted at each use); an
over-estimate costs time, never exactness.
"""
from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import nn

from .ruas import RUAS

__all__ = ['receptive_radius', 'scene_halos', 'tiled_scene']


def receptive_radius(module: nn.Module) -> int:
    """Upper bound (pixels) of how far one output pixel of ``module`` reaches: the sum over
    its convolutions of ``dilation·⌊k/2⌋``. Only stride-1 'same' convolutions are allowed."""
    radius = 0
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            if any(s != 1 for s in m.stride) or m.padding == 'valid':
                raise ValueError(f'tiled inference needs stride-1 same-size convolutions; '
                                 f'{m} changes the size')
            radius += max(d * (k // 2) for k, d in zip(m.kernel_size, m.dilation))
        elif isinstance(m, (nn.MaxPool2d, nn.AvgPool2d, nn.Conv1d, nn.Conv3d,
                            nn.ConvTranspose2d, nn.Upsample)):
            raise ValueError(f'tiled inference does not handle {type(m).__name__} layers')
    return radius


def scene_halos(scene: RUAS) -> tuple[int, int, int]:
    """(IEM, estimator, NRM) receptive radii: each IEM stage adds its cell and maxΩ's one
    pixel (right/down), each of the NRM's ``num_steps`` applications adds its prior."""
    iem = sum(receptive_radius(stage) + 1 for stage in scene.iem.stages)
    est = receptive_radius(scene.estimator) if scene.estimator is not None else 0
    nrm = scene.nrm.num_steps * receptive_radius(scene.nrm) if scene.nrm is not None else 0
    return iem, est, nrm


def _tiles(h: int, w: int, tile: int) -> Iterator[tuple[int, int, int, int]]:
    for y0 in range(0, h, tile):
        for x0 in range(0, w, tile):
            yield y0, min(y0 + tile, h), x0, min(x0 + tile, w)


def _with_halo(x: torch.Tensor, box: tuple[int, int, int, int], halo: int
               ) -> tuple[torch.Tensor, tuple[slice, slice]]:
    """``x`` cut to ``box`` grown by ``halo`` (clipped to the image) and where ``box`` lies in
    that cut."""
    y0, y1, x0, x1 = box
    h, w = x.shape[-2:]
    a, b, c, d = max(y0 - halo, 0), min(y1 + halo, h), max(x0 - halo, 0), min(x1 + halo, w)
    return x[..., a:b, c:d], (slice(y0 - a, y1 - a), slice(x0 - c, x1 - c))


@torch.no_grad()
def tiled_scene(scene: RUAS, y: torch.Tensor, tile: int, return_illumination: bool = False
                ) -> tuple[torch.Tensor, torch.Tensor | None]:
    """``scene(y).output`` (and ``ts[-1]`` if asked) computed tile by tile, exactly.

    Args:
        scene: a RUAS scene module (any variant), in eval mode.
        y: B×3×H×W low-light images in [0, 1].
        tile: tile side in pixels (the last row/column of tiles may be smaller).
    """
    if tile < 1:
        raise ValueError(f'tile must be a positive number of pixels, got {tile}')
    if scene.training:
        raise ValueError('tiled inference is for eval mode (call scene.eval())')
    iem_r, est_r, nrm_r = scene_halos(scene)
    b, _, h, w = y.shape
    fmt = scene.memory_format(y)                  # as RUAS.forward computes in eval
    u = torch.empty_like(y)
    t = torch.empty_like(y) if return_illumination else None
    level = torch.zeros(b, dtype=torch.float64, device=y.device)
    for box in _tiles(h, w, tile):
        crop, (sy, sx) = _with_halo(y, box, iem_r + est_r)
        us, ts, _ = scene.iem(crop.contiguous(memory_format=fmt))
        y0, y1, x0, x1 = box
        u[..., y0:y1, x0:x1] = us[-1][..., sy, sx]
        if t is not None:
            t[..., y0:y1, x0:x1] = ts[-1][..., sy, sx]
        if scene.estimator is not None:
            # the estimator on uᴷ exact within est_r of the tile, then |θ| summed on the tile
            sub, (ty, tx) = _with_halo(us[-1], (sy.start, sy.stop, sx.start, sx.stop), est_r)
            level += scene.estimator(sub)[..., ty, tx].abs().sum(dim=(1, 2, 3),
                                                                  dtype=torch.float64)
    if scene.nrm is None:
        return u, t
    if scene.estimator is not None:
        level = (level / (y.shape[1] * h * w)).to(y.dtype)
        gate = scene.estimator.gate(level)
    else:
        gate = torch.ones(b, dtype=torch.bool, device=y.device)
    out = u.clone()
    open_ = gate.nonzero().flatten()
    if open_.numel():
        for box in _tiles(h, w, tile):
            crop, (sy, sx) = _with_halo(u[open_], box, nrm_r)
            y0, y1, x0, x1 = box
            out[open_, :, y0:y1, x0:x1] = scene.nrm(crop.contiguous(memory_format=fmt))[
                ..., sy, sx]
    return out, t
