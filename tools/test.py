"""Test a checkpoint with the config's test dataloader and evaluator.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out FILE.pkl [--overwrite]]
                         [--show-dir DIR] [--tta] [--lenient] [--cfg-options k=v ...]
                         [--launcher ...]

The checkpoint must fit the model exactly: missing, unexpected or mis-shaped keys stop the
run with one ``error:`` line naming a few of them (mmengine alone would load it leniently
and report metrics of random weights); ``--lenient`` loads the keys that fit and lists the
others. ``--out`` refuses an existing file unless ``--overwrite`` and is written to a
temporary name first, then renamed into place.
"""
from __future__ import annotations

import argparse
import inspect
import os
import os.path as osp
import sys

import mmruas  # noqa: F401  (applies the torch-2.14 compatibility fixes)
from mmruas.compat import enable_cpu_distributed
from mmruas.utils.checkpoints import check_state_dict, checkpoint_state_dict, read_checkpoint
from mmruas.utils.cli import (
    DictAction,
    ToolError,
    config_errors,
    end_distributed,
    load_config,
    run_tool,
)
from mmruas.utils.safe_io import atomic_path, check_folder_creatable, check_new_output


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and evaluate) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save the evaluation metrics')
    parser.add_argument('--out', help='dump predictions to a pickle file (.pkl)')
    parser.add_argument('--overwrite', action='store_true', help='replace an existing --out')
    parser.add_argument('--lenient', action='store_true', help='accept a checkpoint that '
                        'does not fit the model exactly (loads the keys that fit)')
    parser.add_argument('--show-dir', help='directory (relative to the work dir\'s '
                        'timestamped folder) where painted images are saved')
    parser.add_argument('--tta', action='store_true', help="test-time augmentation with the "
                        "config's tta_model and tta_pipeline (mmdet / mmseg)")
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def enable_show_dir(cfg, show_dir: str) -> None:
    """Turn on the config's visualization hook, whichever package it comes from."""
    from mmengine.registry import HOOKS

    hook = cfg.get('default_hooks', {}).get('visualization')
    if hook is None:
        raise ToolError('--show-dir needs default_hooks.visualization in the config')
    hook['draw'] = True
    # Registry.get ignores the default scope: look the type up in the scope's own registry
    with HOOKS.switch_scope_and_registry(cfg.get('default_scope')) as registry:
        hook_cls = registry.get(hook['type']) if isinstance(hook['type'], str) else hook['type']
    if hook_cls is not None and 'test_out_dir' in inspect.signature(hook_cls).parameters:
        hook['test_out_dir'] = show_dir          # mmdet / mmruas style
    else:
        cfg.visualizer['save_dir'] = show_dir    # mmseg style


def enable_tta(cfg) -> None:
    """Wrap the model in the config's ``tta_model`` and test with its ``tta_pipeline``, as
    mmdet's and mmseg's own ``tools/test.py --tta`` do."""
    missing = [k for k in ('tta_model', 'tta_pipeline') if k not in cfg]
    if missing:
        raise ToolError(f'--tta needs {" and ".join(missing)} in the config')
    cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
    cfg.tta_model.module = cfg.model
    cfg.model = cfg.tta_model


def dump_metric(cfg, out: str, overwrite: bool = False):
    """A metric that dumps predictions (mmdet's det-specific one where it applies), written
    atomically: a temporary name in ``out``'s folder, renamed when complete."""
    from mmengine.evaluator import DumpResults
    from mmengine.fileio import dump
    from mmengine.logging import print_log
    base = DumpResults
    if cfg.get('default_scope') == 'mmdet':
        from mmdet.evaluation import DumpDetResults
        base = DumpDetResults

    class AtomicDump(base):
        def compute_metrics(self, results: list) -> dict:
            with atomic_path(self.out_file_path, overwrite=overwrite) as tmp:
                dump(results, tmp, file_format='pkl')
            print_log(f'Results has been saved to {self.out_file_path}.', logger='current')
            return {}

    return AtomicDump(out_file_path=out)


def check_checkpoint(runner, path: str, lenient: bool) -> None:
    """Compare the checkpoint with the runner's model before the Runner loads it (which
    mmengine does leniently); one-line error unless ``lenient``."""
    from mmengine.model import BaseTTAModel, is_model_wrapper

    model = runner.model.module if is_model_wrapper(runner.model) else runner.model
    if isinstance(model, BaseTTAModel):
        model = model.module
    state = checkpoint_state_dict(read_checkpoint(path), path)
    text = check_state_dict(model, state, path, strict=not lenient)
    if text:
        print(f'warning: checkpoint {path} loaded leniently: {text}', file=sys.stderr)


def main() -> None:
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    cfg.launcher = args.launcher
    enable_cpu_distributed(args.launcher)  # compat fix 2: a launched run on CPU only
    if not osp.isfile(args.checkpoint):
        raise ToolError(f'checkpoint not found: {args.checkpoint}')
    if args.out is not None and not args.out.endswith(('.pkl', '.pickle')):
        raise ToolError(f'--out must be a .pkl/.pickle file, got {args.out}')
    if args.out is not None:
        check_new_output(args.out, overwrite=args.overwrite,
                         inputs=[args.config, args.checkpoint])
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    check_folder_creatable(cfg.work_dir, '--work-dir')
    if args.show_dir:
        check_folder_creatable(osp.join(cfg.work_dir, args.show_dir), '--show-dir')
    read_checkpoint(args.checkpoint)      # truncated / corrupt / unsafe: one line, early
    cfg.load_from = args.checkpoint
    if args.show_dir:
        enable_show_dir(cfg, args.show_dir)
    if args.tta:
        enable_tta(cfg)

    from mmengine.registry import RUNNERS
    from mmengine.runner import Runner

    with config_errors():
        runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
    check_checkpoint(runner, args.checkpoint, args.lenient)
    if args.out is not None:
        runner.test_evaluator.metrics.append(dump_metric(cfg, args.out, args.overwrite))
    with config_errors():
        runner.test()
    end_distributed()


if __name__ == '__main__':
    run_tool(main)
