"""Parameters and FLOPs of a config's RUAS scene module.

    python tools/analysis_tools/get_flops.py CONFIG [--shape H W] [--variants]
        [--cfg-options k=v ...]

Counted with ``mmengine.analysis.get_model_complexity_info`` on a 1×3×H×W input
(default 400×600, i.e. a 600×400 LOL image). mmengine counts one multiply-add as one
FLOP, and only the operators it has handles for (convolutions, matrix products, ...);
element-wise operators (sigmoid, clamp, max, division) are not counted. RUAS_A runs
its NRM on every image and chooses the output afterwards, so its count includes it.
With ``--variants`` RUAS_S, RUAS and RUAS_A (the config's scene with ``variant``
replaced) are reported in one table. A config or ``--cfg-options`` value that builds no
scene (``model=1``, an unknown variant or type) ends with one ``error:`` line naming it.
"""
from __future__ import annotations

import argparse
import copy
import logging
from collections.abc import Mapping

import torch
from torch import nn

import mmruas  # noqa: F401  (applies the torch-2.14 compatibility fixes)
from mmruas.utils.cli import DictAction, ToolError, config_errors, load_config, run_tool

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
    if not isinstance(model, Mapping):
        raise ToolError(f'config key model: expected a dict, got {model!r:.60}')
    scene = model.get('scene', model)
    if not isinstance(scene, Mapping) or 'type' not in scene:
        raise ToolError(f'config key model.scene: expected a dict with a type, got '
                        f'{scene!r:.60}')
    return copy.deepcopy(scene)


def complexity(scene_cfg: dict, shape: tuple[int, int]) -> dict:
    """``get_model_complexity_info`` of the scene built from ``scene_cfg``."""
    from mmengine.analysis import get_model_complexity_info
    from mmengine.registry import init_default_scope

    from mmruas.registry import MODELS

    init_default_scope('mmruas')
    with config_errors('cannot build the scene (model.scene)'):
        scene = MODELS.build(scene_cfg).eval()
    with torch.no_grad():
        return get_model_complexity_info(SceneForFlops(scene), input_shape=(3, *shape),
                                         show_table=False, show_arch=False)


def main(argv: list[str] | None = None) -> None:
    """Print the table (``argv``: the command line, default ``sys.argv[1:]``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='config file')
    parser.add_argument('--shape', type=int, nargs=2, default=[400, 600], metavar=('H', 'W'),
                        help='input height and width (default 400 600)')
    parser.add_argument('--variants', action='store_true',
                        help='report RUAS_S, RUAS and RUAS_A built from the config\'s scene')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings')
    args = parser.parse_args(argv)
    if min(args.shape) < 1:
        raise ToolError(f'--shape must be positive, got {args.shape}')
    cfg = load_config(args.config, args.cfg_options)
    base = scene_config(cfg)
    variants = VARIANTS if args.variants else (base.get('variant', 'RUAS_A'),)
    from mmengine.logging import MMLogger
    MMLogger.get_current_instance().setLevel(logging.ERROR)  # "unsupported operator" notes

    h, w = args.shape
    infos = [complexity(dict(base, variant=v), (h, w)) for v in variants]  # errors first
    print(f'input 1x3x{h}x{w}; FLOPs by mmengine.analysis: one multiply-add = one FLOP')
    print('| variant | params | FLOPs | FLOPs (exact) |')
    print('|---|---:|---:|---:|')
    for variant, info in zip(variants, infos):
        print(f'| {variant} | {info["params"]:,} | {info["flops_str"]} | {info["flops"]:,} |')


if __name__ == '__main__':
    run_tool(main)
