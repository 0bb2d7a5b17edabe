"""Train a model from an mmengine config (mmruas, mmdet or mmseg; the config decides).

    python tools/train.py CONFIG [--work-dir DIR] [--resume [PATH]] [--amp]
                          [--cfg-options k=v ...] [--launcher none|pytorch|slurm]

Weight files the config reads (``Pretrained`` init_cfg checkpoints, ``scene_checkpoint``,
``load_from``) must be local files: a missing file or a URL stops the run before anything
is built, with one ``error:`` line naming the config key (nothing is downloaded); a
truncated, corrupt or unsafe one (and a ``--resume`` file) is refused the same way.

Checkpoints are saved crash-safely: a config's ``CheckpointHook`` runs as
:class:`~mmruas.engine.hooks.safe_checkpoint_hook.SafeCheckpointHook` (temporary name, then
rename; ``last_checkpoint`` replaced atomically; old checkpoints removed only after the new
one is complete). ``--resume`` without a path takes the checkpoint ``last_checkpoint``
names, or, when that is missing or unusable, the newest complete checkpoint of the work dir
(and says so). ``--check-images`` reads every training image once before training and
stops with one line naming the unreadable ones.
"""
from __future__ import annotations

import argparse
import errno
import os
import os.path as osp

from mmengine.hooks import CheckpointHook

import mmruas  # noqa: F401  (applies the torch-2.14 compatibility fixes)
from mmruas.compat import enable_cpu_distributed, has_accelerator
from mmruas.engine.hooks.safe_checkpoint_hook import SafeCheckpointHook  # noqa: F401
from mmruas.utils.checkpoints import find_resume_checkpoint, read_checkpoint
from mmruas.utils.cli import (
    DictAction,
    ToolError,
    config_errors,
    end_distributed,
    load_config,
    run_tool,
)
from mmruas.utils.safe_io import check_folder_creatable
from mmruas.utils.weights import check_weight_files, weight_files


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
    parser.add_argument('--check-images', action='store_true',
                        help='read every training image once before training; stop with '
                        'one line naming the unreadable ones')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, e.g. train_cfg.max_iters=10')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def use_safe_checkpoints(cfg) -> None:
    """Run the config's stock ``CheckpointHook`` as :class:`SafeCheckpointHook` (here rather
    than in each config: mmdet/mmseg-based configs and user configs get it too)."""
    hook = cfg.get('default_hooks', {}).get('checkpoint')
    if hook is not None and hook.get('type') in ('CheckpointHook', 'mmengine.CheckpointHook',
                                                 CheckpointHook):
        hook['type'] = 'SafeCheckpointHook'


def use_amp(cfg) -> None:
    """``--amp``: the config's ``OptimWrapper`` (or each wrapper of a constructor's dict:
    the enhancer's, the search's, BGL's) becomes mmengine's ``AmpOptimWrapper`` (fp16
    autocast, dynamic loss scale); any other wrapper type is a ToolError."""
    wrapper = cfg.get('optim_wrapper', {})
    wrappers = [v for k, v in wrapper.items() if k != 'constructor' and isinstance(v, dict)
                and 'optimizer' in v] if 'constructor' in wrapper else [wrapper]
    for w in wrappers:
        if w.get('type', 'OptimWrapper') not in ('OptimWrapper', 'AmpOptimWrapper'):
            raise ToolError(f"--amp needs OptimWrapper, the config has {w.get('type')!r}; "
                            'set AmpOptimWrapper in the config')
        w['type'] = 'AmpOptimWrapper'
        w.setdefault('loss_scale', 'dynamic')


def check_training_state(ckpt, path: str) -> None:
    """Raise ToolError unless ``ckpt`` holds what mmengine's ``Runner.resume`` reads
    (``meta.epoch``, ``meta.iter``, ``message_hub``): a weights-only file cannot resume."""
    meta = ckpt.get('meta') if isinstance(ckpt, dict) else None
    missing = [k for k in ('meta.epoch', 'meta.iter') if not isinstance(meta, dict)
               or k.split('.')[1] not in meta]
    missing += [] if isinstance(ckpt, dict) and 'message_hub' in ckpt else ['message_hub']
    if missing:
        raise ToolError(f'--resume checkpoint {path}: no training state ({", ".join(missing)} '
                        'missing; a weights-only file): to start from its weights give '
                        f'--cfg-options load_from={path} instead of --resume')


def resolve_resume(cfg, resume: str) -> None:
    """Set ``cfg.resume`` / ``cfg.load_from`` for ``--resume [PATH]``."""
    if resume != 'auto':
        # missing, not a file, unsafe, weights only: one line
        check_training_state(read_checkpoint(resume, '--resume checkpoint'), resume)
        cfg.resume, cfg.load_from = True, resume
        return
    path, note = find_resume_checkpoint(cfg.work_dir) if osp.isdir(cfg.work_dir) else (
        None, '')
    if note:
        print(f'note: {note}', flush=True)
    if path is not None:
        check_training_state(read_checkpoint(path, '--resume checkpoint'), path)
    cfg.resume, cfg.load_from = path is not None, path


def train_images(dataset) -> list[str]:
    """The image files a (mmengine BaseDataset-style) data set reads."""
    paths = []
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        paths += [v for k, v in info.items() if k.endswith('_path') and isinstance(v, str)
                  and v.lower().endswith(('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff'))]
    return paths


def check_train_set(cfg, check_images: bool) -> None:
    """Build the training set once: a build error or an empty set is one line; with
    ``check_images`` every image it reads is decoded once."""
    ds_cfg = cfg.get('train_dataloader', {}).get('dataset') if cfg.get('train_dataloader') \
        else None
    if not ds_cfg:
        return
    from mmengine.registry import DATASETS, DefaultScope
    with config_errors('train_dataloader.dataset'), \
            DefaultScope.overwrite_default_scope(cfg.get('default_scope')):
        dataset = DATASETS.build(ds_cfg)
    if len(dataset) == 0:
        raise ToolError('train_dataloader.dataset is empty: no training sample found '
                        f'(data_root={ds_cfg.get("data_root")!r})')
    if not check_images:
        return
    if not hasattr(dataset, 'get_data_info'):
        raise ToolError(f'--check-images: {type(dataset).__name__} does not list its images')
    import cv2
    paths = train_images(dataset)
    bad = [p for p in paths if cv2.imread(p, cv2.IMREAD_UNCHANGED) is None]
    if bad:
        raise ToolError(f'{len(bad)} of {len(paths)} training image(s) unreadable (corrupt or '
                        f'unsupported): {", ".join(bad[:5])}{" ..." if len(bad) > 5 else ""}')
    print(f'checked {len(paths)} training image(s): all readable', flush=True)


def main() -> None:
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    cfg.launcher = args.launcher
    enable_cpu_distributed(args.launcher)  # compat fix 2: a launched run on CPU only
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])

    if args.amp:
        use_amp(cfg)
    if (args.amp or cfg.get('optim_wrapper', {}).get('type') == 'AmpOptimWrapper') \
            and not has_accelerator():
        # mmengine 0.10.7's AmpOptimWrapper asserts an accelerator (its GradScaler is CUDA's)
        raise ToolError(f"{'--amp' if args.amp else 'AmpOptimWrapper'} needs a CUDA, NPU, "
                        'MLU or MUSA device; none is available (train without --amp on CPU)')

    check_folder_creatable(cfg.work_dir, '--work-dir')
    if args.resume is not None:
        resolve_resume(cfg, args.resume)
    # pretrained / scene / load_from weights: local files only, checked before anything runs
    check_weight_files(cfg)
    for key, path in weight_files(cfg):      # and readable, safe checkpoints
        read_checkpoint(str(path), key)
    use_safe_checkpoints(cfg)
    check_train_set(cfg, args.check_images)

    from mmengine.registry import RUNNERS
    from mmengine.runner import Runner

    try:
        with config_errors():
            runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
            runner.train()
    except OSError as exc:
        if exc.filename or exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        # a full disk the checkpoint hook did not report (logs, visualizer files)
        raise ToolError(f'{cfg.work_dir}: {exc.strerror} while training; the last '
                        'complete checkpoint is intact (free space and --resume)') from None
    end_distributed()


if __name__ == '__main__':
    run_tool(main)
