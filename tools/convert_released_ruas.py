"""Convert the authors' released RUAS weights (lol.pt, mit.pt, darkface.pt) to mmruas.

    python tools/convert_released_ruas.py SRC.pt OUT.pth [--overwrite]

OUT.pth is an mmengine-style checkpoint (``state_dict`` with the ``scene.`` prefix of
:class:`RUASEnhancer`) that ``configs/ruas_enhance/ruas_a_released.py`` loads. Wrong
input (missing, truncated, not a checkpoint, another layout) or output (a folder, under a
file, not writable, an existing file without ``--overwrite``, a full disk) ends with one
line. OUT is written to a temporary name beside it and renamed when complete (no stray file
is left; on a failed write an existing OUT is kept).
"""
from __future__ import annotations

import argparse
import hashlib
import os

import torch

import mmruas  # noqa: F401
from mmruas.scene.released import ReleasedLayoutError, convert_released_state_dict
from mmruas.utils.checkpoints import read_checkpoint
from mmruas.utils.cli import ToolError, run_tool
from mmruas.utils.safe_io import atomic_path, check_new_output, ensure_folder


def load_released(path: str) -> dict:
    """Load a released state dict with the safe loader; errors name the file."""
    if not os.path.isfile(path):
        raise ToolError(f'{path}: no such file')
    if os.path.getsize(path) == 0:
        raise ToolError(f'{path}: empty file (0 bytes), not a checkpoint')
    obj = read_checkpoint(path, 'released weights')   # weights_only; errors name the file
    if isinstance(obj, dict) and 'state_dict' in obj:
        raise ToolError(f'{path}: holds a "state_dict" entry, so it is an mmengine/mmruas '
                        'checkpoint, not a released RUAS state dict')
    return obj


def main(argv: list[str] | None = None) -> None:
    """Convert SRC to OUT (``argv``: the command line, default ``sys.argv[1:]``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='released RUAS weights (.pt)')
    parser.add_argument('out', help='output mmruas checkpoint (.pth)')
    parser.add_argument('--overwrite', action='store_true', help='replace an existing OUT')
    args = parser.parse_args(argv)
    check_new_output(args.out, overwrite=args.overwrite, inputs=[args.src])
    try:
        state = convert_released_state_dict(load_released(args.src), prefix='scene.')
    except ReleasedLayoutError as exc:
        raise ToolError(f'{args.src}: {exc}') from exc
    with open(args.src, 'rb') as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    ckpt = {'state_dict': state,
            'meta': {'converted_from': os.path.basename(args.src), 'sha256': digest,
                     'variant': 'RUAS_A'}}
    ensure_folder(os.path.dirname(os.path.abspath(args.out)))
    with atomic_path(args.out, overwrite=args.overwrite) as tmp, open(tmp, 'wb') as f:
        # through a Python file: a failed write is an OSError naming its errno (ENOSPC),
        # torch's own writer would raise a RuntimeError ("unexpected pos")
        torch.save(ckpt, f)
    n = sum(v.numel() for v in state.values())
    print(f'wrote {args.out}: {len(state)} tensors, {n} parameters '
          f'(sha256 of source {digest[:12]})')


if __name__ == '__main__':
    run_tool(main)
