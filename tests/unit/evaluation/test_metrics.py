"""PSNR / SSIM against scikit-image, the metric plumbing, and LPIPS with synthetic weights."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.structures import BaseDataElement

from mmruas.evaluation import LPIPS, PSNR, SSIM, LPIPSNet, psnr, quantize_8bit, ssim
from mmruas.registry import METRICS

SIZES = [(16, 16), (23, 41), (64, 37), (11, 11)]


def _pair(kind: str, h: int, w: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(pred, gt) as 3 x H x W float RGB; pred leaves [0, 1] on purpose."""
    g = torch.Generator().manual_seed(seed)
    if kind == 'random':
        gt = torch.rand(3, h, w, generator=g)
    else:  # smooth gradients, a bright square and stripes
        yy, xx = torch.meshgrid(torch.linspace(0, 1, h), torch.linspace(0, 1, w), indexing='ij')
        gt = torch.stack([yy, xx, 0.5 + 0.5 * torch.sin(xx * 12)])
        gt[:, h // 4:h // 2, w // 4:w // 2] = 0.9
    pred = gt + 0.15 * torch.randn(3, h, w, generator=g) + 0.05
    return pred, gt


def _skimage():
    return pytest.importorskip('skimage.metrics', reason='scikit-image is a test dependency')


@pytest.mark.parametrize('kind', ['random', 'structured'])
@pytest.mark.parametrize('size', SIZES)
def test_psnr_ssim_equal_skimage(kind, size):
    metrics = _skimage()
    pred, gt = _pair(kind, *size, seed=size[0] * 100 + size[1])
    assert pred.min() < 0 and pred.max() > 1
    a, b = quantize_8bit(pred), quantize_8bit(gt)
    ref_psnr = metrics.peak_signal_noise_ratio(b, a, data_range=255)
    ref_ssim = metrics.structural_similarity(a, b, channel_axis=-1, data_range=255,
                                             gaussian_weights=True, sigma=1.5,
                                             use_sample_covariance=False)
    for metric, ref in ((PSNR(), ref_psnr), (SSIM(), ref_ssim)):
        metric.process(None, [dict(pred_img=pred, gt_img=gt, img_path='x.png')])
        value = metric.compute_metrics(metric.results)[metric.metric_name]
        assert abs(value - ref) < 1e-4, (metric.metric_name, value, ref)
    assert abs(ssim(a, b) - ref_ssim) < 1e-8


def test_quantize_matches_formula():
    x = torch.tensor([-0.2, 0.0, 0.4, 1.0, 1.3]).view(1, 1, 5).repeat(3, 2, 1)
    q = quantize_8bit(x)
    assert q.dtype == np.uint8 and q.shape == (2, 5, 3)
    assert q[0, :, 0].tolist() == [0, 0, 102, 255, 255]
    r = torch.rand(3, 7, 9) * 1.4 - 0.2
    expected = np.round(np.clip(r.numpy(), 0, 1) * 255).astype(np.uint8).transpose(1, 2, 0)
    np.testing.assert_array_equal(quantize_8bit(r), expected)


def test_psnr_hand_computed():
    gt = torch.zeros(3, 2, 2)
    pred = gt.clone()
    pred[1, 0, 1] = 1.0  # one channel of one pixel off by 255: MSE = 255^2 / 12
    assert psnr(quantize_8bit(pred), quantize_8bit(gt)) == pytest.approx(10 * math.log10(12))
    pred[0, 1, 1] = 2.0  # clipped to 1 -> MSE = 2 * 255^2 / 12
    metric = PSNR()
    metric.process(None, [dict(pred_img=pred, gt_img=gt, img_path='a/b.png')])
    assert metric.compute_metrics(metric.results)['PSNR'] == pytest.approx(10 * math.log10(6))


def test_psnr_identical_images_capped():
    img = torch.rand(3, 12, 12)
    capped, raw = PSNR(), PSNR(max_db=None)
    for m in (capped, raw):
        m.process(None, [dict(pred_img=img, gt_img=img.clone())])
    assert capped.compute_metrics(capped.results)['PSNR'] == 100.0
    assert math.isinf(raw.compute_metrics(raw.results)['PSNR'])


def test_crop_border_and_per_image_table():
    pred, gt = _pair('random', 30, 40, seed=1)
    metric = PSNR(crop_border=4, print_per_image=True)
    metric.process(None, [dict(pred_img=pred, gt_img=gt, img_path='/d/one.png'),
                          dict(pred_img=gt, gt_img=pred, img_path='/d/two.png')])
    mean = metric.compute_metrics(metric.results)['PSNR']
    ref = psnr(quantize_8bit(pred)[4:-4, 4:-4], quantize_8bit(gt)[4:-4, 4:-4])
    assert mean == pytest.approx(ref)
    assert [n for n, _ in metric.per_image] == ['/d/one.png', '/d/two.png']
    table = metric.format_table()
    assert 'one.png' in table and 'two.png' in table and 'mean' in table


def test_metric_errors_name_the_image():
    img = torch.rand(3, 16, 16)
    with pytest.raises(KeyError, match='x.png'):
        PSNR().process(None, [dict(pred_img=img, img_path='x.png')])
    with pytest.raises(ValueError, match='y.png'):
        SSIM().process(None, [dict(pred_img=img, gt_img=torch.rand(3, 16, 15),
                                   img_path='y.png')])
    with pytest.raises(TypeError, match='z.png'):
        PSNR().process(None, [dict(pred_img=img, gt_img=(img * 255).byte(), img_path='z.png')])
    with pytest.raises(ValueError, match='window'):
        ssim(np.zeros((8, 8, 3), np.uint8), np.zeros((8, 8, 3), np.uint8))


def test_evaluator_with_data_elements():
    """Through mmengine's Evaluator: BaseDataElement -> dict, keys without prefix."""
    samples = []
    for i in range(3):
        pred, gt = _pair('structured', 20, 24, seed=i)
        s = BaseDataElement(metainfo=dict(img_path=f'{i}.png'))
        s.pred_img, s.gt_img = pred, gt
        samples.append(s)
    evaluator = Evaluator([METRICS.build(dict(type='PSNR')), METRICS.build(dict(type='SSIM'))])
    evaluator.process(samples)
    result = evaluator.evaluate(3)
    assert set(result) == {'PSNR', 'SSIM'}
    ps = [psnr(quantize_8bit(s.pred_img), quantize_8bit(s.gt_img)) for s in samples]
    assert result['PSNR'] == pytest.approx(np.mean(ps))


# ----------------------------------------------------------------------------- LPIPS
def test_lpips_missing_weights(tmp_path):
    with pytest.raises(FileNotFoundError, match='never downloaded'):
        LPIPS(net_weights=str(tmp_path / 'alexnet.pth'), lin_weights=str(tmp_path / 'alex.pth'))


@pytest.fixture(scope='module')
def lpips_weights(tmp_path_factory):
    """A random torchvision AlexNet and random LPIPS linear layers, saved as local files."""
    from torchvision.models import alexnet

    torch.manual_seed(0)
    net = alexnet(weights=None)
    tmp_path = tmp_path_factory.mktemp('lpips')
    net_path, lin_path = tmp_path / 'alexnet.pth', tmp_path / 'alex.pth'
    torch.save(net.state_dict(), net_path)
    lin = {f'lin{k}.model.1.weight': torch.rand(1, c, 1, 1)
           for k, c in enumerate(LPIPSNet.CHANNELS)}
    torch.save(lin, lin_path)
    return net, lin, str(net_path), str(lin_path)


def _reference_lpips(net, lin, x, y):
    """LPIPS written out from the paper's definition, independently of LPIPSNet."""
    shift = torch.tensor([-0.030, -0.088, -0.188]).view(1, 3, 1, 1)
    scale = torch.tensor([0.458, 0.448, 0.450]).view(1, 3, 1, 1)
    feats = []
    for img in (x, y):
        h = (img * 2 - 1 - shift) / scale
        taps = []
        for i, layer in enumerate(net.features[:12]):
            h = layer(h.clone())
            if i in (1, 4, 7, 9, 11):  # after relu1..relu5
                taps.append(h / (h.norm(dim=1, keepdim=True) + 1e-10))
        feats.append(taps)
    total = 0.0
    for k, (a, b) in enumerate(zip(*feats)):
        w = lin[f'lin{k}.model.1.weight'].view(1, -1, 1, 1)
        total = total + ((a - b) ** 2 * w).sum(1).mean()
    return float(total)


def test_lpips_with_synthetic_weights(lpips_weights):
    net, lin, net_path, lin_path = lpips_weights
    metric = LPIPS(net_weights=net_path, lin_weights=lin_path)
    pred, gt = _pair('structured', 64, 48, seed=3)
    metric.process(None, [dict(pred_img=pred, gt_img=gt, img_path='p.png'),
                          dict(pred_img=gt, gt_img=gt, img_path='q.png')])
    values = dict(metric.results)
    net.eval()
    with torch.no_grad():
        ref = _reference_lpips(net, lin, torch.from_numpy(quantize_8bit(pred)).permute(2, 0, 1)
                               [None].float() / 255, torch.from_numpy(quantize_8bit(gt))
                               .permute(2, 0, 1)[None].float() / 255)
    assert values['p.png'] == pytest.approx(ref, rel=1e-4)
    assert values['p.png'] > 0 and values['q.png'] == pytest.approx(0.0, abs=1e-7)
    assert metric.compute_metrics(metric.results)['LPIPS'] == pytest.approx(ref / 2, rel=1e-4)


def test_lpips_rejects_foreign_files(lpips_weights, tmp_path):
    _, _, net_path, lin_path = lpips_weights
    bad = tmp_path / 'bad.pth'
    torch.save({'something': torch.zeros(1)}, bad)
    with pytest.raises(KeyError, match='bad.pth'):
        LPIPS(net_weights=str(bad), lin_weights=lin_path)
    with pytest.raises(KeyError, match='bad.pth'):
        LPIPS(net_weights=net_path, lin_weights=str(bad))
