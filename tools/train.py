"""Train a model from an mmengine config (mmruas, mmdet or mmseg; the config decides).

    python tools/train.py CONFIG [--work-dir DIR] [--resume [PATH]] [--amp]
                          [--cfg-options k=v ...] [--launcher none|pytorch|slurm]

Weight files the config reads (``Pretrained`` init_cfg checkpoints, ``scene_checkpoint``,
``load_from``) must be local files: a missing file or a URL stops the run before anything
is built, with one ``error:`` line naming the config key (nothing is downloaded).
"""
from __future__ import annotations

import argparse
import os
import os.path as osp

import mmruas  # noqa: F401  (applies the torch-2.14 compatibility fixes)
from mmruas.compat import has_accelerator
from mmruas.utils.cli import DictAction, ToolError, end_distributed, load_config, run_tool
from mmruas.utils.weights import check_weight_files


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument('--amp', action='store_true',
                        help='enable automatic mixed precision (AmpOptimWrapper); needs a '
                        'CUDA/NPU/MLU/MUSA device: on CPU it is refused with an error')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from the given checkpoint, or from the latest one in the work dir '
        'when no path is given')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, e.g. train_cfg.max_iters=10')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def main() -> None:
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])

    if args.amp:
        wrapper = cfg.get('optim_wrapper', {})
        if wrapper.get('type', 'OptimWrapper') in ('OptimWrapper', 'AmpOptimWrapper'):
            wrapper['type'] = 'AmpOptimWrapper'
            wrapper.setdefault('loss_scale', 'dynamic')
        else:
            raise ToolError(f"--amp needs a single OptimWrapper, the config has "
                            f"{wrapper.get('type')!r}; set AmpOptimWrapper in the config")
    if cfg.get('optim_wrapper', {}).get('type') == 'AmpOptimWrapper' and not has_accelerator():
        # mmengine 0.10.7's AmpOptimWrapper asserts an accelerator (its GradScaler is CUDA's)
        raise ToolError(f"{'--amp' if args.amp else 'AmpOptimWrapper'} needs a CUDA, NPU, "
                        'MLU or MUSA device; none is available (train without --amp on CPU)')

    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        if not osp.isfile(args.resume):
            raise ToolError(f'--resume checkpoint not found: {args.resume}')
        cfg.resume = True
        cfg.load_from = args.resume
    # pretrained / scene / load_from weights: local files only, checked before anything runs
    check_weight_files(cfg)

    from mmengine.registry import RUNNERS
    from mmengine.runner import Runner

    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
    runner.train()
    end_distributed()


if __name__ == '__main__':
    run_tool(main)
