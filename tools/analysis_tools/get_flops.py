"""Parameters and FLOPs of a config's RUAS scene module.

    python tools/analysis_tools/get_flops.py CONFIG [--shape H W] [--variants]

Counted with ``mmengine.analysis.get_model_complexity_info`` on a 1×3×H×W input
(default 400×600, i.e. a 600×400 LOL image). mmengine counts one multiply-add as one
FLOP, and only the operators it has handles for (convolutions, matrix products, ...);
element-wise operators (sigmoid, clamp, max, division) are not counted. RUAS_A runs
its NRM on every image and chooses the output afterwards, so its count includes it.
With ``--variants`` RUAS_S, RUAS and RUAS_A (the config's scene with ``variant``
replaced) are reported in one table.
"""
from __future__ import annotations

import argparse
import copy
import logging

import torch
from torch import nn

import mmruas  # noqa: F401  (applies the torch-2.14 compatibility fixes)
from mmruas.utils.cli import ToolError, load_config, run_tool

VARIANTS = ('RUAS_S', 'RUAS', 'RUAS_A')


class SceneForFlops(nn.Module):
    """Wrap a scene module so that tracing sees tensors: (output, final t)."""

    def __init__(self, scene: nn.Module) -> None:
        super().__init__()
        self.scene = scene

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.scene(x)
        return out.output, out.ts[-1]


def scene_config(cfg) -> dict:
    """The scene module's config: ``model.scene``, or ``model`` itself."""
    model = cfg.get('model')
    if model is None:
        raise ToolError('the config has no "model"')
    return copy.deepcopy(model.get('scene', model))


def complexity(scene_cfg: dict, shape: tuple[int, int]) -> dict:
    """``get_model_complexity_info`` of the scene built from ``scene_cfg``."""
    from mmengine.analysis import get_model_complexity_info
    from mmengine.registry import init_default_scope

    from mmruas.registry import MODELS

    init_default_scope('mmruas')
    scene = MODELS.build(scene_cfg).eval()
    with torch.no_grad():
        return get_model_complexity_info(SceneForFlops(scene), input_shape=(3, *shape),
                                         show_table=False, show_arch=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='config file')
    parser.add_argument('--shape', type=int, nargs=2, default=[400, 600], metavar=('H', 'W'),
                        help='input height and width (default 400 600)')
    parser.add_argument('--variants', action='store_true',
                        help='report RUAS_S, RUAS and RUAS_A built from the config\'s scene')
    args = parser.parse_args()
    if min(args.shape) < 1:
        raise ToolError(f'--shape must be positive, got {args.shape}')
    cfg = load_config(args.config)
    base = scene_config(cfg)
    variants = VARIANTS if args.variants else (base.get('variant', 'RUAS_A'),)
    from mmengine.logging import MMLogger
    MMLogger.get_current_instance().setLevel(logging.ERROR)  # "unsupported operator" notes

    h, w = args.shape
    print(f'input 1x3x{h}x{w}; FLOPs by mmengine.analysis: one multiply-add = one FLOP')
    print('| variant | params | FLOPs | FLOPs (exact) |')
    print('|---|---:|---:|---:|')
    for variant in variants:
        info = complexity(dict(base, variant=variant), (h, w))
        print(f'| {variant} | {info["params"]:,} | {info["flops_str"]} | {info["flops"]:,} |')


if __name__ == '__main__':
    run_tool(main)
