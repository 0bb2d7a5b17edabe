"""The README's drop-in lines on stock mmdet / mmseg configs no other test uses: YOLOX-tiny
(batch augmentation ``BatchSyncRandomResize`` in its data preprocessor, BGR input kept BGR)
and PSPNet-R18. Each child config is exactly what a user writes (``_base_`` = the stock
config, ``custom_imports`` mmruas, the preprocessor's ``type`` swapped, every other key
kept) and is built in a fresh process, where only ``custom_imports`` imports mmruas."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

# run in the child process: argv = config path, 'det' | 'seg'; prints one JSON line
CHILD = r'''
import json, random, sys
import torch
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData, PixelData

torch.manual_seed(0)
random.seed(0)  # BatchSyncRandomResize draws sizes from Python's random
torch.set_num_threads(1)
loaded_before = 'mmruas' in sys.modules
cfg = Config.fromfile(sys.argv[1])  # custom_imports: imports mmruas
task = sys.argv[2]
init_default_scope(cfg.default_scope)
if task == 'det':
    from mmdet.registry import MODELS
    from mmdet.structures import DetDataSample as Sample
else:
    from mmseg.registry import MODELS
    from mmseg.structures import SegDataSample as Sample
model = MODELS.build(cfg.model)
pp = model.data_preprocessor
stock_cfg = {k: v for k, v in cfg.model.data_preprocessor.items() if k != 'scene'}
stock_cfg['type'] = 'DetDataPreprocessor' if task == 'det' else 'SegDataPreProcessor'
stock = MODELS.build(stock_cfg)
h, w = 64, 96

def batch():
    g = torch.Generator().manual_seed(1)
    imgs = [torch.randint(0, 60, (3, h, w), generator=g, dtype=torch.uint8) for _ in range(2)]
    samples = []
    for _ in imgs:
        s = Sample(metainfo=dict(img_shape=(h, w), ori_shape=(h, w), scale_factor=(1., 1.)))
        if task == 'det':
            s.gt_instances = InstanceData(bboxes=torch.tensor([[8., 8., 40., 30.]]),
                                          labels=torch.tensor([3]))
        else:
            s.gt_sem_seg = PixelData(data=torch.randint(0, 19, (1, h, w), generator=g))
        samples.append(s)
    return dict(inputs=imgs, data_samples=samples)

hub = MessageHub.get_current_instance()
hub.update_info('iter', 0)
model.train()
data = pp(batch(), training=True)
losses = model(**data, mode='loss')
total = sum(v.sum() for k, v in losses.items() if 'loss' in k)
total.backward()
scene_grad = sum(float(p.grad.abs().sum()) for p in pp.scene.parameters()
                 if p.grad is not None)
model.eval()
with torch.no_grad():
    ours = pp(batch(), training=False)['inputs']
    plain = stock(batch(), training=False)['inputs']
    # by hand: the scene on RGB in [0, 1], back to the loader's BGR x 255, then stock
    raw = batch()
    raw['inputs'] = [(pp.scene(img.flip(0).float()[None] / 255).output[0] * 255).flip(0)
                     for img in raw['inputs']]
    by_hand = stock(raw, training=False)['inputs']
    out = model(ours, mode='tensor')
out = out[0] if isinstance(out, (tuple, list)) else out
out = out[0] if isinstance(out, (tuple, list)) else out
report = dict(
    loaded_before=loaded_before, pp=type(pp).__name__, scope=cfg.default_scope,
    losses={k: float(v.sum()) for k, v in losses.items() if 'loss' in k},
    scene_grad=scene_grad, diff_plain=float((ours - plain).abs().max()),
    diff_by_hand=float((ours - by_hand).abs().max()), input_shape=list(ours.shape),
    out_shape=list(out.shape), out_finite=bool(torch.isfinite(out).all()))
if task == 'det':  # the batch augmentation still runs, after the scene
    aug = pp.batch_augments[0]
    report['aug'] = type(aug).__name__
    model.train()
    hub.update_info('iter', aug._interval - 1)  # this iteration draws a new size
    pp(batch(), training=True)
    hub.update_info('iter', 0)
    size = list(aug._input_size)
    report.update(aug_size=size, aug_shape=list(pp(batch(), training=True)['inputs'].shape))
print(json.dumps(report))
'''


def drop_in(tmp_path: Path, base: str, preprocessor: dict, task: str) -> dict:
    """Write the user's child config, build and run it in a fresh process."""
    config = tmp_path / f'{task}_dropin.py'
    config.write_text(f"_base_ = {base!r}\n"
                      "custom_imports = dict(imports=['mmruas'], allow_failed_imports=False)\n"
                      f"model = dict(data_preprocessor={preprocessor!r})\n")
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    proc = subprocess.run([sys.executable, '-c', CHILD, str(config), task], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def check_common(report: dict, preprocessor: str, scope: str) -> None:
    assert not report['loaded_before']  # only the config's custom_imports imported mmruas
    assert report['pp'] == preprocessor and report['scope'] == scope
    assert report['losses'] and all(abs(v) < 1e6 for v in report['losses'].values())
    assert report['scene_grad'] > 0         # the task loss reaches the scene's weights
    assert report['diff_plain'] > 1.0       # the scene ran: not the stock preprocessing
    assert report['diff_by_hand'] < 1e-3    # and exactly scene -> stock preprocessing
    assert report['out_finite']


def test_yolox_with_batch_augments(tmp_path: Path) -> None:
    report = drop_in(tmp_path, 'mmdet::yolox/yolox_tiny_8xb8-300e_coco.py',
                     dict(type='RUASDetDataPreprocessor', scene=dict(type='RUAS',
                                                                     variant='RUAS_S')), 'det')
    check_common(report, 'RUASDetDataPreprocessor', 'mmdet')
    assert set(report['losses']) == {'loss_cls', 'loss_bbox', 'loss_obj'}
    assert report['input_shape'] == [2, 3, 64, 96]  # pad_size_divisor=32 kept
    assert report['out_shape'][0] == 2 and report['out_shape'][2:] == [8, 12]  # stride 8
    assert report['aug'] == 'BatchSyncRandomResize'
    size = report['aug_size']
    # a new size drawn for the 64 x 96 batch: height in the config's range, aspect kept
    assert 320 <= size[0] <= 640 and size[0] % 32 == 0 and size[1] == 32 * int(1.5 * size[0] / 32)
    assert report['aug_shape'] == [2, 3, *size]


def test_pspnet(tmp_path: Path) -> None:
    report = drop_in(tmp_path, 'mmseg::pspnet/pspnet_r18-d8_4xb2-80k_cityscapes-512x1024.py',
                     dict(type='RUASSegDataPreprocessor', size=(64, 96),  # tiny crop
                          scene=dict(type='RUAS', variant='RUAS_S')), 'seg')
    check_common(report, 'RUASSegDataPreprocessor', 'mmseg')
    assert set(report['losses']) == {'decode.loss_ce', 'aux.loss_ce'}
    assert report['input_shape'] == [2, 3, 64, 96]
    assert report['out_shape'] == [2, 19, 8, 12]  # 19 Cityscapes classes, output stride 8
