"""Cost of the RUAS scene module in a detector or segmentor: train-step and inference time
with and without it.

    python tools/analysis_tools/benchmark_detection.py CONFIG [--shape H W] [--batch-size 4]
        [--warmup 2] [--iters 10] [--device cpu] [--checkpoint C] [--out results.json]
        [--cfg-options k=v ...]

The config's detector or segmentor (or the one inside its ``SceneTaskModel``) is built twice
with the same weights: as configured, its data preprocessor running the scene module
(``RUASDetDataPreprocessor`` / ``RUASSegDataPreprocessor``; a ``SceneTaskModel`` with λ > 0
adds λ·ℓs to the loss), and with the plain ``DetDataPreprocessor`` / ``SegDataPreProcessor``
of the same mean / std / channel order / padding in its place. Timed, in one run on the same
batches:

* a training step — ``model.train_step``: preprocessing, forward, loss, backward and the
  config's optimiser step (``--batch-size`` random dark 8-bit images of ``--shape``, one to
  three random boxes each, or a random label map);
* inference of one image — ``model.test_step`` (preprocessing, forward, box decoding and NMS,
  or the label map at the input size).

After ``--warmup`` untimed rounds, ``--iters`` rounds are timed; each round runs all four
steps, the two models in alternating order, so slow drifts of a shared machine hit both
alike. Medians are reported, with the ratio with / without the scene. Random weights are used
unless ``--checkpoint`` is given (the config's ``scene_checkpoint`` and pretrained files are
not read); the learning rate is set to 0, so that every step does the same work on the same
weights (the optimiser's arithmetic runs as usual).
"""
from __future__ import annotations

import argparse
import copy
import logging
import platform
import statistics
import time

import torch

import mmruas  # noqa: F401  (applies the torch-2.14 compatibility fixes)
from mmruas.utils.checkpoints import load_weights
from mmruas.utils.cli import DictAction, ToolError, load_config, run_tool
from mmruas.utils.safe_io import check_new_output, write_json
from mmruas.utils.weights import clear_scene_checkpoints

#: the scene preprocessors' own arguments; the rest are the plain preprocessor's
SCENE_ARGS = ('type', 'scene', 'freeze_scene', 'scene_checkpoint', 'max_value')
#: scene preprocessor -> the task package's plain preprocessor
PLAIN = {'RUASDetDataPreprocessor': 'DetDataPreprocessor',
         'RUASSegDataPreprocessor': 'SegDataPreProcessor'}
VARIANTS = ('without', 'with')


def cpu_name() -> str:
    """The CPU model (``/proc/cpuinfo``), else ``platform.processor()``."""
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'unknown CPU'


def detector_configs(cfg) -> tuple[dict, dict, dict]:
    """``(model as configured, its detector, the detector with a plain preprocessor)``."""
    model = copy.deepcopy(cfg.model)   # ConfigDicts: mmdet reads test_cfg.min_bbox_size
    clear_scene_checkpoints(model)   # random weights: no stage-1 file needed
    if model.get('type') == 'SceneTaskSearchModel':
        raise ToolError('a search model: time its steps with tools/analysis_tools/'
                        'benchmark.py --mode search')
    detector = model
    if model.get('type') == 'SceneTaskModel':
        detector = copy.deepcopy(model['task'])
        if model.get('data_preprocessor') is not None:
            detector['data_preprocessor'] = copy.deepcopy(model['data_preprocessor'])
    pp = detector.get('data_preprocessor') or {}
    kind = str(pp.get('type', '')).rsplit('.', 1)[-1]
    if 'scene' not in pp or kind not in PLAIN:
        raise ToolError(f'model.data_preprocessor ({pp.get("type")!r}) runs no scene module; '
                        'the config needs a RUASDetDataPreprocessor or RUASSegDataPreprocessor')
    plain = copy.deepcopy(detector)
    plain['data_preprocessor'] = dict({k: v for k, v in pp.items() if k not in SCENE_ARGS},
                                      type=PLAIN[kind])
    return model, detector, plain


def scene_name(pp: dict) -> str:
    """E.g. ``RUAS_S (IEM: 3 stages, DET_SCENE_DARKFACE)``."""
    scene = pp['scene']
    if not isinstance(scene, dict):
        return type(scene).__name__
    iem = scene.get('iem') or {}
    parts = [f'{iem["num_stages"]} stages' if 'num_stages' in iem else None,
             iem.get('genotype') if isinstance(iem.get('genotype'), str) else None]
    detail = ', '.join(p for p in parts if p)
    return f'{scene.get("variant", scene.get("type"))}' + (f' (IEM: {detail})' if detail else '')


def build_models(cfg, args) -> dict[str, torch.nn.Module]:
    """``{'with': configured model, 'without': plain detector}``, the same weights."""
    from mmengine.model import revert_sync_batchnorm
    from mmengine.registry import MODELS, DefaultScope

    model_cfg, detector_cfg, plain_cfg = detector_configs(cfg)
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'mmdet')):
        torch.manual_seed(0)
        with_scene = MODELS.build(model_cfg)
        torch.manual_seed(0)
        without = MODELS.build(plain_cfg)
    # one process: SyncBN (mmseg's configs) as BatchNorm, as mmengine's Runner does
    with_scene, without = revert_sync_batchnorm(with_scene), revert_sync_batchnorm(without)
    if args.checkpoint is not None:
        load_weights(with_scene, args.checkpoint, strict=True)
    detector = getattr(with_scene, 'task', with_scene)
    shared = {k: v for k, v in detector.state_dict().items()
              if not k.startswith('data_preprocessor.scene.')}
    without.load_state_dict(shared, strict=True)
    args.scene = scene_name(detector_cfg['data_preprocessor'])
    return {'without': without.to(args.device), 'with': with_scene.to(args.device)}


def build_optim(model: torch.nn.Module, cfg):
    """The config's optimiser (plain fp32 ``OptimWrapper``) with lr 0; SGD if it has none."""
    from mmengine.optim import build_optim_wrapper

    ow = cfg.get('optim_wrapper')
    ow = copy.deepcopy(ow.to_dict()) if ow else dict(optimizer=dict(type='SGD', lr=0.0,
                                                                    momentum=0.9))
    if ow.pop('constructor', None) not in (None, 'DefaultOptimWrapperConstructor'):
        ow = dict(optimizer=dict(type='SGD', lr=0.0, momentum=0.9))
    ow['type'] = 'OptimWrapper'
    ow.pop('loss_scale', None)
    wrapper = build_optim_wrapper(model, ow)
    for group in wrapper.param_groups:
        group['lr'] = 0.0
    return wrapper


def random_seg_batch(n: int, shape: tuple[int, int], num_classes: int, gen: torch.Generator,
                     device: str) -> dict:
    """Dark uint8 BGR images with random label maps (8 x 8 blocks), as PackSegInputs gives."""
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample

    h, w = shape
    inputs, samples = [], []
    for _ in range(n):
        inputs.append(torch.randint(0, 80, (3, h, w), generator=gen,
                                    dtype=torch.uint8).to(device))
        blocks = torch.randint(0, num_classes, (1, 1, (h + 7) // 8, (w + 7) // 8), generator=gen)
        labels = torch.nn.functional.interpolate(blocks.float(), scale_factor=8.0)
        sample = SegDataSample(metainfo=dict(img_shape=(h, w), ori_shape=(h, w),
                                             pad_shape=(h, w)))
        sample.gt_sem_seg = PixelData(data=labels[0, :, :h, :w].long())
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def random_batch(n: int, shape: tuple[int, int], num_classes: int, gen: torch.Generator,
                 device: str, segmentation: bool = False) -> dict:
    """Dark uint8 BGR images with one to three random boxes each, as PackDetInputs gives
    (``segmentation``: :func:`random_seg_batch`)."""
    if segmentation:
        return random_seg_batch(n, shape, num_classes, gen, device)
    from mmdet.structures import DetDataSample
    from mmengine.structures import InstanceData

    h, w = shape
    inputs, samples = [], []
    for _ in range(n):
        inputs.append(torch.randint(0, 80, (3, h, w), generator=gen,
                                    dtype=torch.uint8).to(device))
        k = int(torch.randint(1, 4, (1,), generator=gen))
        xy = torch.rand(k, 2, generator=gen) * 0.6
        wh = 0.1 + torch.rand(k, 2, generator=gen) * 0.3
        boxes = torch.cat([xy, xy + wh], dim=1) * torch.tensor([w, h, w, h])
        sample = DetDataSample(metainfo=dict(img_shape=(h, w), ori_shape=(h, w),
                                             scale_factor=(1.0, 1.0)))
        sample.gt_instances = InstanceData(
            bboxes=boxes, labels=torch.randint(0, num_classes, (k,), generator=gen))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def timed(cuda: bool, fn, *args) -> float:
    """Seconds of one call ``fn(*args)`` (CUDA synchronised before and after)."""
    if cuda:
        torch.cuda.synchronize()
    start = time.perf_counter()
    fn(*args)
    if cuda:
        torch.cuda.synchronize()
    return time.perf_counter() - start


def run_rounds(models: dict, optims: dict, train: dict, test: dict, args
               ) -> dict[str, dict[str, list[float]]]:
    """``{'train'|'inference': {'with'|'without': [seconds, ...]}}`` (module doc)."""
    cuda = args.device.startswith('cuda')
    times = {step: {v: [] for v in VARIANTS} for step in ('train', 'inference')}
    for i in range(args.warmup + args.iters):
        for name in (VARIANTS if i % 2 == 0 else VARIANTS[::-1]):
            model = models[name]
            model.train()
            t_train = timed(cuda, model.train_step, copy.deepcopy(train), optims[name])
            model.eval()
            with torch.no_grad():
                t_test = timed(cuda, model.test_step, copy.deepcopy(test))
            if i >= args.warmup:
                times['train'][name].append(t_train)
                times['inference'][name].append(t_test)
    return times


def report(times: dict, args) -> list[dict]:
    """Print the markdown table; the rows as dicts."""
    rows = []
    for step, batch in (('train', args.batch_size), ('inference', 1)):
        med = {v: statistics.median(times[step][v]) * 1e3 for v in VARIANTS}
        rows.append(dict(step=step, batch_size=batch, without_ms=med['without'],
                         with_ms=med['with'], ratio=med['with'] / med['without'],
                         times_ms={v: [t * 1e3 for t in times[step][v]] for v in VARIANTS}))
    h, w = args.shape
    print(f'{args.config}: scene module {args.scene}; input {h}x{w}, device {args.device} '
          f'({cpu_name()}), torch {torch.__version__}, {torch.get_num_threads()} CPU threads, '
          f'warmup {args.warmup}, iters {args.iters} (interleaved), medians')
    print('| step | batch | without scene (ms) | with scene (ms) | with / without |')
    print('|---|---:|---:|---:|---:|')
    labels = {'train': 'train step', 'inference': 'inference (per image)'}
    for r in rows:
        print(f'| {labels[r["step"]]} | {r["batch_size"]} | {r["without_ms"]:.1f} '
              f'| {r["with_ms"]:.1f} | {r["ratio"]:.3f} |')
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='detection or segmentation config whose data '
                        'preprocessor runs the scene module')
    parser.add_argument('--checkpoint', help='checkpoint to load (default: random weights)')
    parser.add_argument('--device', default='cpu', help='cpu or cuda[:N]')
    parser.add_argument('--shape', type=int, nargs=2, default=None, metavar=('H', 'W'),
                        help="image size (default: the config's input_size, else 300 300)")
    parser.add_argument('--batch-size', type=int, default=4, help='training batch size')
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--iters', type=int, default=10)
    parser.add_argument('--out', help='also write the results to this JSON file')
    parser.add_argument('--overwrite', action='store_true', help='replace an existing --out')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings')
    args = parser.parse_args()
    if args.batch_size < 1 or args.iters < 1 or args.warmup < 0:
        raise ToolError('--batch-size and --iters must be positive, --warmup >= 0')
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        raise ToolError(f'--device {args.device}: CUDA is not available')
    if args.out:
        check_new_output(args.out, overwrite=args.overwrite, inputs=[args.config])
    cfg = load_config(args.config, args.cfg_options)
    size = cfg.get('input_size', 300)
    args.shape = tuple(args.shape or (size, size))
    if min(args.shape) < 1:
        raise ToolError('--shape must be positive')

    from mmengine.logging import MMLogger
    MMLogger.get_instance('benchmark_detection', log_level=logging.WARNING)  # quiet builders

    models = build_models(cfg, args)
    optims = {name: build_optim(m, cfg) for name, m in models.items()}
    task = getattr(models['with'], 'task', models['with'])
    seg = hasattr(task, 'decode_head')
    head = task.decode_head if seg else getattr(task, 'bbox_head', None)
    gen = torch.Generator().manual_seed(0)
    classes = int(getattr(head, 'num_classes', 1))
    train = random_batch(args.batch_size, args.shape, classes, gen, args.device, seg)
    test = random_batch(1, args.shape, classes, gen, args.device, seg)
    rows = report(run_rounds(models, optims, train, test, args), args)
    if args.out:
        meta = dict(config=args.config, checkpoint=args.checkpoint, scene=args.scene,
                    device=args.device, cpu=cpu_name(), shape=list(args.shape),
                    batch_size=args.batch_size, warmup=args.warmup, iters=args.iters,
                    torch=torch.__version__, num_threads=torch.get_num_threads())
        write_json(args.out, dict(meta, results=rows), overwrite=args.overwrite)
        print(f'results written to {args.out}')


if __name__ == '__main__':
    run_tool(main)
