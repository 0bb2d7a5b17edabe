"""Where a scene's weights sit in the checkpoint formats mmruas reads: the one place that
knows them (the scene preprocessors' ``scene_checkpoint``, the hierarchical strategy's
stage 1 -> stage 2, BGL's frozen generative block).
"""
from __future__ import annotations

import os
import pickle
import zipfile
from collections.abc import Mapping

import torch
from torch import nn

from .released import ReleasedLayoutError, convert_released_state_dict

__all__ = ['SCENE_PREFIXES', 'scene_state_dict', 'load_scene_checkpoint']

#: Where a scene's weights sit in the checkpoints mmruas writes, tried in this order:
#: a detector/segmentor (hierarchical stage 1), a :class:`SceneTaskModel`, an enhancer
#: (also ``tools/convert_released_ruas.py``'s output), a BGL model (its generative block).
SCENE_PREFIXES = ('data_preprocessor.scene.', 'task.data_preprocessor.scene.', 'scene.',
                  'generator.')


def scene_state_dict(obj: object, path: str) -> dict[str, torch.Tensor]:
    """The scene's own keys out of any checkpoint layout mmruas knows (see
    :data:`SCENE_PREFIXES`; ``path`` names the file in errors)."""
    if isinstance(obj, Mapping) and isinstance(obj.get('state_dict'), Mapping):
        obj = obj['state_dict']
    if not isinstance(obj, Mapping):
        raise ValueError(f'scene_checkpoint {path}: holds a {type(obj).__name__}, '
                         'not a state dict')
    state = {(k[len('module.'):] if k.startswith('module.') else k): v for k, v in obj.items()}
    for prefix in SCENE_PREFIXES:
        sub = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
        if sub:
            return sub
    if any(k.startswith(('enhance_net.', 'denoise_net.', 'estimation.')) for k in state):
        try:  # the authors' released layout (lol.pt, mit.pt, darkface.pt)
            return convert_released_state_dict(state)
        except ReleasedLayoutError as exc:
            raise ValueError(f'scene_checkpoint {path}: {exc}') from None
    return dict(state)  # a bare scene state dict


def load_scene_checkpoint(scene: nn.Module, path: str) -> None:
    """Load a scene state dict (strict) from a local file; one-line errors name the file.

    Accepts an mmruas enhancer checkpoint (``scene.*``), the output of
    ``tools/convert_released_ruas.py`` (same layout), a detector checkpoint of the
    hierarchical strategy's first stage (``data_preprocessor.scene.*``), a
    :class:`SceneTaskModel` checkpoint, a BGL model checkpoint (``generator.*``: its
    generative block), the authors' released file or a bare state dict. Never downloads.
    """
    if not isinstance(path, (str, os.PathLike)) or not os.path.isfile(path):
        hint = ' (mmruas never downloads weights)' if '://' in str(path) else ''
        raise FileNotFoundError(f'scene_checkpoint {path}: no such file{hint}')
    try:
        obj = torch.load(path, map_location='cpu', weights_only=True)
    except (RuntimeError, EOFError, zipfile.BadZipFile, pickle.UnpicklingError) as exc:
        first = (str(exc).splitlines() or [type(exc).__name__])[0][:160]
        raise ValueError(f'scene_checkpoint {path}: not a readable checkpoint ({first})'
                         ) from None
    state = scene_state_dict(obj, str(path))
    own = scene.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    wrong = sorted(k for k in set(own) & set(state)
                   if tuple(own[k].shape) != tuple(state[k].shape))
    if missing or unexpected or wrong:
        parts = [f'{len(keys)} {what} (e.g. {keys[0]!r})' for what, keys in
                 (('missing keys', missing), ('unexpected keys', unexpected),
                  ('shape mismatches', wrong)) if keys]
        raise ValueError(f'scene_checkpoint {path}: does not match the '
                         f'{type(scene).__name__} scene module: {", ".join(parts)}')
    scene.load_state_dict(state, strict=True)
