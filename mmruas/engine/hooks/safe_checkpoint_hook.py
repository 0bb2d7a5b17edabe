"""A CheckpointHook whose saves never lose the last complete checkpoint.

mmengine 0.10.7's ``CheckpointHook`` removes the oldest kept checkpoint *before* writing
the new one, writes the new one in place and rewrites ``last_checkpoint`` in place; a
crash during the save (kill, full disk) with ``max_keep_ckpts=1`` leaves no complete
checkpoint, a 0-byte one, and a ``last_checkpoint`` naming a deleted (or no) file.
:class:`SafeCheckpointHook` writes the checkpoint to a hidden temporary name in the same
folder, renames it into place when complete (``os.replace``), then replaces
``last_checkpoint`` atomically, and only then removes the checkpoints beyond
``max_keep_ckpts``. Everything else (intervals, ``save_best``, ``save_last``, resuming
its queue) is mmengine's. A save that fails with an ``OSError`` (a full disk, a read-only
folder) raises :class:`~mmruas.utils.cli.WriteError` (a ``ToolError`` and an ``OSError``)
naming the checkpoint and the last complete one, which stays in place with
``last_checkpoint`` naming it. Registered in mmengine's root ``HOOKS``, so every scope
(mmruas, mmdet, mmseg) finds ``type='SafeCheckpointHook'``; ``tools/train.py`` uses it in
place of a config's ``CheckpointHook``.
"""
from __future__ import annotations

import os
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend
from mmengine.hooks import CheckpointHook
from mmengine.registry import HOOKS

from mmruas.utils.cli import WriteError
from mmruas.utils.safe_io import atomic_write_bytes, fsync_file

__all__ = ['SafeCheckpointHook']


@HOOKS.register_module()
class SafeCheckpointHook(CheckpointHook):
    """``CheckpointHook`` with crash-safe saves (see the module docstring)."""

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        if not isinstance(self.file_backend, LocalBackend):
            return super()._save_checkpoint_with_step(runner, step, meta)
        previous, stale = getattr(self, 'last_ckpt', None), []
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids
                                            and self.keep_ckpt_ids[-1] == step):
            while len(self.keep_ckpt_ids) >= self.max_keep_ckpts:
                stale.append(self.keep_ckpt_ids.popleft())
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))

        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = osp.join(self.out_dir, ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        tmp_name = f'.{ckpt_filename}.tmp'
        tmp = osp.join(self.out_dir, tmp_name)
        try:
            runner.save_checkpoint(
                self.out_dir, tmp_name, self.file_client_args,
                save_optimizer=self.save_optimizer,
                save_param_scheduler=self.save_param_scheduler, meta=meta,
                by_epoch=self.by_epoch, backend_args=self.backend_args, **self.args)
            if not is_main_process():
                return
            fsync_file(tmp)
            os.replace(tmp, self.last_ckpt)          # complete: now it takes its name
            atomic_write_bytes(osp.join(runner.work_dir, 'last_checkpoint'),
                               self.last_ckpt.encode(), overwrite=True)
        except OSError as exc:
            raise WriteError(f'cannot save checkpoint {self.last_ckpt}: '
                            f'{exc.strerror or exc}; {_kept(previous)}') from None
        finally:
            if is_main_process() and osp.lexists(tmp):
                os.unlink(tmp)                       # a failed save leaves no debris
        for old in stale:                            # only now that the new one is complete
            path = osp.join(self.out_dir, self.filename_tmpl.format(old))
            if old != step and osp.isfile(path):
                os.remove(path)


def _kept(previous: str | None) -> str:
    """What a failed save leaves: the last complete checkpoint, if there is one."""
    if previous and osp.isfile(previous):
        return f'the last complete checkpoint {previous} is intact (free space and --resume)'
    return 'no earlier checkpoint of this run'
