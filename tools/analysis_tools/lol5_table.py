"""LOL-5 enhancement table: PSNR/SSIM per image and mean, and mean PSNR against iteration.

Rows: the input, gamma 2.2 (``y^(1/2.2)``), optionally the released weights, and any
number of trained runs ``LABEL=CONFIG:CHECKPOINT[:WORK_DIR]``. Each run's final output
is scored on the five pairs (8-bit, rounded, as mmruas's PSNR/SSIM metrics), also its IEM
output uᴷ alone; WORK_DIR's validation scalars (``vis_data/scalars.json``, written every
``val_interval`` iterations) give the curve. Ground truth only scores; it chooses nothing.
Usage::

    python tools/analysis_tools/lol5_table.py --lol ../shared/reference/ruas-official/lol \\
        [--released work_dirs/lol_released.pth] \\
        --run "ℓs=configs/.../ruas_lol5_scene_loss.py:work_dirs/s/iter_800.pth:work_dirs/s" \\
        --out work_dirs/lol5_table

Writes ``OUT/table.md`` and ``OUT/psnr_vs_iter.png`` through mmruas's one safe writer
(:mod:`mmruas.utils.safe_io`): a temporary name in ``OUT``, synced, then renamed; without
``--overwrite`` the name is claimed create-exclusively, so an existing table (or one another
run wrote meanwhile) is never replaced. Neither may be one of the inputs (compared by inode).
A failed write (a full disk) is one ``error:`` line naming the file and leaves no temporary
file.
"""
from __future__ import annotations

import argparse
import glob
import json
import os.path as osp
import sys

import cv2
import numpy as np
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

from mmruas.utils.cli import ToolError, load_config  # noqa: E402
from mmruas.utils.safe_io import (  # noqa: E402
    atomic_write_bytes,
    check_not_inputs,
    ensure_folder,
)


def load_pairs(lol: str) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """``(name, low RGB float32 in [0,1], high uint8 RGB)`` of every ``low/*.png``."""
    names = sorted(osp.basename(p) for p in glob.glob(osp.join(lol, 'low', '*.png')))
    if not names:
        raise FileNotFoundError(f'no low/*.png under {lol}')
    pairs = []
    for n in names:
        low = cv2.imread(osp.join(lol, 'low', n), cv2.IMREAD_COLOR)
        high = cv2.imread(osp.join(lol, 'high', n), cv2.IMREAD_COLOR)
        if low is None or high is None:
            raise FileNotFoundError(f'cannot read the pair {n} under {lol}')
        pairs.append((osp.splitext(n)[0], low[..., ::-1].astype(np.float32) / 255,
                      np.ascontiguousarray(high[..., ::-1])))
    return pairs


def score(outputs: list[np.ndarray], pairs) -> list[tuple[float, float]]:
    """(PSNR, SSIM) of every H×W×3 float output against its ground truth."""
    from mmruas.evaluation.metrics import psnr, quantize_8bit, ssim
    res = []
    for out, (_, _, high) in zip(outputs, pairs):
        q = quantize_8bit(np.ascontiguousarray(out.transpose(2, 0, 1)))
        res.append((psnr(q, high), ssim(q, high)))
    return res


def _enhance_tool():
    """tools/enhance.py as a module (tools/ is not a package): its strict model loader."""
    import importlib.util
    spec = importlib.util.spec_from_file_location('enhance_tool',
                                                  osp.join(REPO, 'tools', 'enhance.py'))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module      # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def run_model(config: str, ckpt: str, pairs) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Final outputs and IEM outputs uᴷ of a checkpoint (loaded strictly, as
    ``tools/enhance.py`` does)."""
    model = _enhance_tool().build_model(load_config(config), ckpt, 'cpu')
    finals, iems = [], []
    with torch.inference_mode():
        for _, low, _ in pairs:
            out = model.scene(torch.from_numpy(low).permute(2, 0, 1)[None].contiguous())
            finals.append(out.output[0].permute(1, 2, 0).numpy())
            iems.append(out.us[-1][0].permute(1, 2, 0).numpy())
    return finals, iems


def curve(work_dir: str, key: str = 'PSNR') -> list[tuple[int, float]]:
    """(iteration, mean ``key``) of the newest ``vis_data/scalars.json`` under ``work_dir``
    (``'PSNR'``: the output; ``'iem/PSNR'``: the IEM alone).

    mmengine writes a validation record of an iteration-based run with ``step`` 0 (the
    epoch), so its iteration is that of the training record logged just before it (the
    logger interval divides the validation interval in these configs)."""
    files = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    if not files:
        raise FileNotFoundError(f'no */vis_data/scalars.json under {work_dir}')
    points, last_train = [], 0
    with open(files[-1]) as f:
        for line in f:
            rec = json.loads(line)
            if 'PSNR' in rec:
                if key in rec:
                    points.append((int(rec.get('step') or last_train), float(rec[key])))
            elif 'step' in rec:
                last_train = int(rec['step'])
    return points


def row(label: str, res: list[tuple[float, float]]) -> str:
    cells = [f'{p:.2f} / {s:.3f}' for p, s in res]
    mean = (np.mean([p for p, _ in res]), np.mean([s for _, s in res]))
    return f'| {label} | ' + ' | '.join(cells) + f' | **{mean[0]:.2f} / {mean[1]:.3f}** |'


def input_files(args: argparse.Namespace) -> list[str]:
    """Every file the table is computed from (the LOL pairs, checkpoints, configs, the
    validation scalars): the outputs must not be any of them."""
    files = glob.glob(osp.join(args.lol, 'low', '*.png'))
    files += glob.glob(osp.join(args.lol, 'high', '*.png'))
    files += [args.released] if args.released else []
    for spec in args.run:
        parts = spec.partition('=')[2].split(':')
        files += parts[:2]
        if len(parts) == 3:
            files += glob.glob(osp.join(parts[2], '*', 'vis_data', 'scalars.json'))
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--lol', required=True, help='folder with low/ and high/')
    parser.add_argument('--released', help='converted released checkpoint (RUAS_A)')
    parser.add_argument('--run', action='append', default=[],
                        help='LABEL=CONFIG:CHECKPOINT[:WORK_DIR]')
    parser.add_argument('--out', required=True)
    parser.add_argument('--overwrite', action='store_true',
                        help='replace table.md / psnr_vs_iter.png already in --out')
    args = parser.parse_args(argv)
    try:
        existing = [n for n in ('table.md', 'psnr_vs_iter.png')
                    if osp.exists(osp.join(args.out, n))]
        if existing and not args.overwrite:
            raise ToolError(f'{args.out} already holds {", ".join(existing)}; '
                            'pass --overwrite to replace them')
        outputs = [osp.join(args.out, n) for n in ('table.md', 'psnr_vs_iter.png')]
        inputs = input_files(args)
        for path in outputs:
            check_not_inputs(path, inputs)
        pairs = load_pairs(args.lol)
        ensure_folder(args.out)
        names = [n for n, _, _ in pairs]
        lines = ['| method | ' + ' | '.join(names) + ' | mean |',
                 '|---|' + '---:|' * (len(names) + 1)]
        lines.append(row('input', score([low for _, low, _ in pairs], pairs)))
        lines.append(row('gamma 2.2', score([low ** (1 / 2.2) for _, low, _ in pairs], pairs)))
        if args.released:
            finals, iems = run_model(osp.join(REPO, 'configs/ruas_enhance/ruas_a_released.py'),
                                     args.released, pairs)
            lines.append(row('released weights (RUAS_A)', score(finals, pairs)))
            lines.append(row('released weights — IEM alone (uᴷ)', score(iems, pairs)))
        curves = {}
        for spec in args.run:
            label, _, rest = spec.partition('=')
            parts = rest.split(':')
            if not label or len(parts) not in (2, 3):
                raise ValueError(f'--run {spec!r}: expected LABEL=CONFIG:CHECKPOINT[:WORK_DIR]')
            finals, iems = run_model(parts[0], parts[1], pairs)
            lines.append(row(label, score(finals, pairs)))
            lines.append(row(f'{label} — IEM alone (uᴷ)', score(iems, pairs)))
            if len(parts) == 3:
                curves[label] = (curve(parts[2]), curve(parts[2], 'iem/PSNR'))
        text = '\n'.join(lines) + '\n'
        atomic_write_bytes(outputs[0], text.encode(), overwrite=args.overwrite)
        print(text)
        if curves:
            import io

            import matplotlib
            matplotlib.use('Agg')
            import matplotlib.pyplot as plt
            fig, ax = plt.subplots(figsize=(6, 4))
            for n, (label, (pts, iem)) in enumerate(curves.items()):
                for points, style, name in ((pts, '-', label), (iem, '--', f'{label}, IEM alone')):
                    if points:
                        ax.plot(*zip(*points), style, marker='o', color=f'C{n}', label=name)
                        print(f'{name}: ' + ', '.join(f'{i}: {p:.2f}' for i, p in points))
            ax.set_xlabel('iteration')
            ax.set_ylabel('mean PSNR on LOL-5 (dB)')
            ax.grid(alpha=0.3)
            ax.legend(fontsize=8)
            buf = io.BytesIO()
            fig.savefig(buf, format='png', dpi=120, bbox_inches='tight')
            atomic_write_bytes(outputs[1], buf.getvalue(), overwrite=args.overwrite)
    except (OSError, ValueError, KeyError, RuntimeError, ToolError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
