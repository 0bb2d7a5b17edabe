"""Map the authors' released RUAS state dicts (lol.pt, mit.pt, darkface.pt) to mmruas.

All three share one layout (docs/method.md#released-weights): ``enhance_net.iems.<i>.cell.*``,
``denoise_net.{stem,nrms.<i>,activate.0}.*``, ``estimation.estimation.<j>.*``; 98
tensors, 36,653 parameters, a RUAS_A model with the released genotypes.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

import torch

__all__ = ['RELEASED_NUM_TENSORS', 'RELEASED_NUM_PARAMS', 'convert_released_state_dict',
           'ReleasedLayoutError']

RELEASED_NUM_TENSORS = 98
RELEASED_NUM_PARAMS = 36653

_RULES = [
    (re.compile(r'^enhance_net\.iems\.(\d+)\.cell\.(.+)$'), r'iem.stages.\1.cell.\2'),
    (re.compile(r'^denoise_net\.stem\.(weight|bias)$'), r'nrm.stem.\1'),
    (re.compile(r'^denoise_net\.nrms\.(\d+)\.(.+)$'), r'nrm.cells.\1.\2'),
    (re.compile(r'^denoise_net\.activate\.0\.(weight|bias)$'), r'nrm.tail.\1'),
    (re.compile(r'^estimation\.estimation\.(\d+)\.(weight|bias)$'), r'estimator.layers.\1.\2'),
]


class ReleasedLayoutError(ValueError):
    """The state dict is not in the released RUAS layout."""


def convert_released_state_dict(state_dict: Mapping[str, torch.Tensor],
                                prefix: str = '') -> dict[str, torch.Tensor]:
    """Rename every key; raise :class:`ReleasedLayoutError` naming the first bad key."""
    if not isinstance(state_dict, Mapping):
        raise ReleasedLayoutError(f'expected a state dict, got {type(state_dict).__name__}')
    out = {}
    for key, value in state_dict.items():
        if not isinstance(value, torch.Tensor):
            raise ReleasedLayoutError(f'key {key!r} holds {type(value).__name__}, not a tensor')
        for pattern, repl in _RULES:
            if pattern.match(key):
                out[prefix + pattern.sub(repl, key)] = value
                break
        else:
            raise ReleasedLayoutError(f'key {key!r} is not in the released RUAS layout '
                                      '(enhance_net/denoise_net/estimation)')
    n_params = sum(v.numel() for v in out.values())
    if len(out) != RELEASED_NUM_TENSORS or n_params != RELEASED_NUM_PARAMS:
        raise ReleasedLayoutError(
            f'{len(out)} tensors / {n_params} parameters, the released RUAS_A layout has '
            f'{RELEASED_NUM_TENSORS} / {RELEASED_NUM_PARAMS}')
    return out
