"""EnhanceDataPreprocessor: scaling per bit depth, BGR -> RGB, padding, gt conversion."""
from __future__ import annotations

import pytest
import torch
from mmengine.structures import BaseDataElement

from mmruas.models.data_preprocessors import EnhanceDataPreprocessor
from mmruas.registry import MODELS


def _img(h: int, w: int, dtype: torch.dtype = torch.uint8, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    top = 255 if dtype == torch.uint8 else 65535
    return torch.randint(0, top + 1, (3, h, w), generator=g, dtype=torch.int64).to(dtype)


def _sample(img: torch.Tensor, gt: torch.Tensor | None = None) -> BaseDataElement:
    top = {torch.uint8: 255, torch.uint16: 65535}
    meta = dict(img_shape=tuple(img.shape[1:]), ori_shape=tuple(img.shape[1:]),
                max_value=top[img.dtype], img_path='x.png')
    s = BaseDataElement(metainfo=meta)
    if gt is not None:
        s.gt_img = gt
        s.set_metainfo(dict(gt_max_value=top[gt.dtype]))
    return s


def test_uint8_bgr_to_rgb_exact():
    img = _img(5, 6)
    out = EnhanceDataPreprocessor()(dict(inputs=[img], data_samples=[_sample(img)]))
    assert out['inputs'].dtype == torch.float32 and out['inputs'].shape == (1, 3, 5, 6)
    assert torch.equal(out['inputs'][0], img.flip(0).float() / 255)
    keep = EnhanceDataPreprocessor(bgr_to_rgb=False)(dict(inputs=[img], data_samples=None))
    assert torch.equal(keep['inputs'][0], img.float() / 255)
    assert len(keep['data_samples']) == 1 and keep['data_samples'][0].pad_shape == (5, 6)


def test_mixed_depths_and_sizes_pad():
    a, b = _img(5, 7), _img(6, 4, torch.uint16, seed=1)
    gt = _img(5, 7, seed=2)
    pre = EnhanceDataPreprocessor(pad_size_divisor=4)
    out = pre(dict(inputs=[a, b], data_samples=[_sample(a, gt), _sample(b)]))
    x = out['inputs']
    assert x.shape == (2, 3, 8, 8)
    assert torch.equal(x[0, :, :5, :7], a.flip(0).float() / 255)
    assert torch.equal(x[1, :, :6, :4], b.flip(0).float() / 65535)
    assert x[0, :, 5:].abs().sum() == 0 and x[0, :, :, 7:].abs().sum() == 0
    assert x[1, :, 6:].abs().sum() == 0 and x[1, :, :, 4:].abs().sum() == 0
    s0, s1 = out['data_samples']
    assert s0.pad_shape == s1.pad_shape == (8, 8)
    assert s0.img_shape == (5, 7) and s1.img_shape == (6, 4)
    assert torch.equal(s0.gt_img, gt.flip(0).float() / 255)  # converted, not padded
    assert 'gt_img' not in s1
    assert 0.0 <= x.min() and x.max() <= 1.0


def test_stacked_tensor_and_16bit_gt():
    imgs = torch.stack([_img(4, 4, torch.uint16, seed=i) for i in range(2)])
    gts = [_img(4, 4, torch.uint16, seed=10 + i) for i in range(2)]
    samples = [_sample(imgs[i], gts[i]) for i in range(2)]
    out = EnhanceDataPreprocessor()(dict(inputs=imgs, data_samples=samples))
    assert torch.equal(out['inputs'], imgs.flip(1).float() / 65535)
    for s, gt in zip(out['data_samples'], gts):
        assert torch.equal(s.gt_img, gt.flip(0).float() / 65535)


def test_build_from_registry_and_no_host_sync(monkeypatch):
    pre = MODELS.build(dict(type='EnhanceDataPreprocessor', pad_size_divisor=2))
    assert isinstance(pre, EnhanceDataPreprocessor)

    def forbidden(*args, **kwargs):
        raise AssertionError('host synchronisation in the preprocessor')

    monkeypatch.setattr(torch.Tensor, 'item', forbidden)
    monkeypatch.setattr(torch.Tensor, 'tolist', forbidden)
    img, gt = _img(3, 5), _img(3, 5, seed=3)
    out = pre(dict(inputs=[img], data_samples=[_sample(img, gt)]), training=True)
    assert out['inputs'].shape == (1, 3, 4, 6)


def test_bad_inputs():
    pre = EnhanceDataPreprocessor()
    with pytest.raises(ValueError, match='3 x H x W'):
        pre(dict(inputs=[torch.zeros(1, 4, 4, dtype=torch.uint8)]))
    with pytest.raises(ValueError, match='data samples'):
        pre(dict(inputs=[_img(4, 4)], data_samples=[]))
    with pytest.raises(ValueError, match='pad_size_divisor'):
        EnhanceDataPreprocessor(pad_size_divisor=0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA device')
def test_moves_to_device():
    pre = EnhanceDataPreprocessor().cuda()
    img, gt = _img(4, 4), _img(4, 4, seed=1)
    out = pre(dict(inputs=[img], data_samples=[_sample(img, gt)]))
    assert out['inputs'].is_cuda and out['data_samples'][0].gt_img.is_cuda
