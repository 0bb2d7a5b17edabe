"""Tiny models and checkpoints shared by the tests: the released enhancer's config with random
weights, the enhancer as mmruas's configs build it, a RUAS_A state dict in the authors'
released layout, and a tiny trained-block stand-in for the BGL transfer configs."""
from __future__ import annotations

import re
from pathlib import Path

import torch
from mmengine.registry import DefaultScope

from mmruas.bgl import GenerativeBlock
from mmruas.models import RUASEnhancer
from mmruas.scene import RUAS

from . import REPO

ENHANCE_CFG = REPO / 'configs' / 'ruas_enhance' / 'ruas_a_released.py'


def use_tiny_block(model: dict, path: Path) -> GenerativeBlock:
    """Save a ``GenerativeBlock(base_channels=4)`` as a BGL checkpoint (``generator.*`` keys)
    at ``path`` and point ``model``'s data preprocessor at it; returns the block."""
    block = GenerativeBlock(base_channels=4)
    torch.save({'state_dict': {f'generator.{k}': v for k, v in block.state_dict().items()}},
               path)
    model.data_preprocessor.update(scene=dict(type='GenerativeBlock', base_channels=4),
                                   scene_checkpoint=str(path))
    return block


def build_model() -> torch.nn.Module:
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    import mmruas  # noqa: F401
    from mmruas.registry import MODELS

    init_default_scope('mmruas')
    torch.manual_seed(0)
    return MODELS.build(Config.fromfile(str(ENHANCE_CFG)).model).eval()



def random_enhancer_checkpoint(tmp_path_factory) -> Path:
    """Random weights of the released config's model."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from mmruas.registry import MODELS
    init_default_scope('mmruas')
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(str(ENHANCE_CFG)).model)
    path = tmp_path_factory.mktemp('ckpt') / 'w.pth'
    torch.save({'state_dict': model.state_dict()}, path)
    return path



def released_layout(scene: RUAS) -> dict[str, torch.Tensor]:
    """A RUAS_A state dict renamed back to the authors' released layout."""
    inverse = [(r'^iem\.stages\.(\d+)\.cell\.(.+)$', r'enhance_net.iems.\1.cell.\2'),
               (r'^nrm\.stem\.(weight|bias)$', r'denoise_net.stem.\1'),
               (r'^nrm\.cells\.(\d+)\.(.+)$', r'denoise_net.nrms.\1.\2'),
               (r'^nrm\.tail\.(weight|bias)$', r'denoise_net.activate.0.\1'),
               (r'^estimator\.layers\.(\d+)\.(weight|bias)$', r'estimation.estimation.\1.\2')]
    out = {}
    for key, value in scene.state_dict().items():
        for pattern, repl in inverse:
            if re.match(pattern, key):
                out[re.sub(pattern, repl, key)] = value.clone()
                break
        else:
            raise AssertionError(key)
    return out


def enhancer(variant: str) -> RUASEnhancer:
    """An enhancer as mmruas's own configs build it (default scope mmruas)."""
    with DefaultScope.overwrite_default_scope('mmruas'):
        return RUASEnhancer(scene=dict(type='RUAS', variant=variant))



def train_step_with_frozen_block(model: torch.nn.Module, block: GenerativeBlock,
                                 batch: dict) -> tuple[dict, dict]:
    """One SGD ``train_step`` of a task model whose scene is the trained generative block
    ``block`` (BGL's transfer): the scene holds the block's weights before the step and keeps
    them after it (frozen); returns the state dicts before and after."""
    from mmengine.optim import OptimWrapper
    for k, v in block.state_dict().items():
        assert torch.equal(model.data_preprocessor.scene.state_dict()[k], v)
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    losses = model.train_step(batch, optim)
    assert torch.isfinite(losses['loss'])
    after = model.state_dict()
    scene = [k for k in before if k.startswith('data_preprocessor.scene.')]
    assert scene and all(torch.equal(after[k], before[k]) for k in scene)
    return before, after
