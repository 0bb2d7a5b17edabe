"""Full-reference image metrics on 8-bit RGB: PSNR, SSIM and (with local weights) LPIPS.

Each data sample (a dict, as mmengine's ``Evaluator`` passes it) holds ``pred_img`` and
``gt_img``: 3 x H x W float RGB tensors in [0, 1] (the prediction may leave the range).
Both are quantized as the field reports results, i.e. as the saved 8-bit image:
``q(x) = round(clip(x, 0, 1) * 255)`` (round half to even) as uint8, then compared with
data range 255. ``compute_metrics`` returns the mean over images; the per-image values
stay in ``metric.per_image`` (a list of ``(img_path, value)``) and ``print_per_image``
logs them as a table.
"""
from __future__ import annotations

import math
import os.path as osp
import re
from collections.abc import Sequence

import cv2
import numpy as np
import torch
import torch.nn as nn
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from mmruas.registry import METRICS

__all__ = ['quantize_8bit', 'psnr', 'ssim', 'PSNR', 'SSIM', 'LPIPS', 'LPIPSNet']


QUANTIZERS = {'round': np.round, 'floor': np.floor}


def quantize_8bit(img: torch.Tensor | np.ndarray, mode: str = 'round') -> np.ndarray:
    """3 x H x W float image in [0, 1] -> H x W x 3 uint8 ``round(clip(x, 0, 1) * 255)``.

    ``mode='floor'`` truncates instead, as the released RUAS code does when it saves its
    results (``astype('uint8')``); its published PSNR figures are on such images.
    """
    if mode not in QUANTIZERS:
        raise ValueError(f"quantize mode must be 'round' or 'floor', got {mode!r}")
    if isinstance(img, torch.Tensor):
        img = img.detach().to('cpu', torch.float32).numpy()
    img = np.asarray(img, dtype=np.float32)
    if img.ndim != 3 or img.shape[0] != 3:
        raise ValueError(f'expected a 3 x H x W image, got shape {img.shape}')
    return QUANTIZERS[mode](np.clip(img, 0.0, 1.0) * 255.0).astype(np.uint8).transpose(1, 2, 0)


def psnr(a: np.ndarray, b: np.ndarray, data_range: float = 255.0,
         max_db: float | None = None) -> float:
    """``10 log10(data_range^2 / MSE)`` over all pixels and channels, in float64.

    Equal images give ``inf``, or ``max_db`` when given (which also caps every value).
    """
    if a.shape != b.shape:
        raise ValueError(f'psnr: shapes differ: {a.shape} vs {b.shape}')
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    value = math.inf if mse == 0 else 10.0 * math.log10(data_range ** 2 / mse)
    return value if max_db is None else min(value, max_db)


def _ssim_channel(x: np.ndarray, y: np.ndarray, c1: float, c2: float, win: int,
                  sigma: float) -> float:
    kernel = cv2.getGaussianKernel(win, sigma, cv2.CV_64F)

    def blur(z: np.ndarray) -> np.ndarray:
        return cv2.sepFilter2D(z, cv2.CV_64F, kernel, kernel, borderType=cv2.BORDER_REFLECT)

    ux, uy = blur(x), blur(y)
    vx, vy, vxy = blur(x * x) - ux * ux, blur(y * y) - uy * uy, blur(x * y) - ux * uy
    s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2))
    pad = (win - 1) // 2
    return float(s[pad:s.shape[0] - pad, pad:s.shape[1] - pad].mean(dtype=np.float64))


def ssim(a: np.ndarray, b: np.ndarray, data_range: float = 255.0, win: int = 11,
         sigma: float = 1.5, k1: float = 0.01, k2: float = 0.03) -> float:
    """SSIM (Wang et al., 2004) of two H x W x C images, averaged over channels.

    Gaussian window (``win`` taps, ``sigma``), population covariances, and the
    ``(win - 1) // 2`` border excluded: the same as scikit-image's
    ``structural_similarity(a, b, channel_axis=-1, data_range=255, gaussian_weights=True,
    sigma=1.5, use_sample_covariance=False)``.
    """
    if a.shape != b.shape:
        raise ValueError(f'ssim: shapes differ: {a.shape} vs {b.shape}')
    if a.ndim == 2:
        a, b = a[..., None], b[..., None]
    if min(a.shape[:2]) < win:
        raise ValueError(f'ssim: image {a.shape[:2]} is smaller than the {win}x{win} window')
    c1, c2 = (k1 * data_range) ** 2, (k2 * data_range) ** 2
    a, b = a.astype(np.float64), b.astype(np.float64)
    return float(np.mean([_ssim_channel(np.ascontiguousarray(a[..., c]),
                                        np.ascontiguousarray(b[..., c]), c1, c2, win, sigma)
                          for c in range(a.shape[2])]))


def _field(sample: dict, key: str, name: str) -> torch.Tensor | np.ndarray:
    """``sample[key]`` as a float 3 x H x W image; a ``{'data': ...}`` wrapper is unwrapped."""
    if key not in sample:
        raise KeyError(f'data sample of {name} has no {key!r}')
    value = sample[key]
    if isinstance(value, dict) and 'data' in value:
        value = value['data']
    if isinstance(value, torch.Tensor):
        is_float = value.is_floating_point()
    else:
        is_float = isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating)
    if not is_float:
        raise TypeError(f'{key} of {name} must be a float RGB image in [0, 1] '
                        f'(as EnhanceDataPreprocessor gives), got {getattr(value, "dtype", value)}')
    return value


class _ImageMetric(BaseMetric):
    """Shared per-image logic: quantize, crop the border, score, average, tabulate."""

    metric_name = ''
    default_prefix = ''  # keys are plain 'PSNR', 'SSIM', 'LPIPS'

    def __init__(self, crop_border: int = 0, print_per_image: bool = False,
                 quantize: str = 'round', pred_key: str = 'pred_img',
                 collect_device: str = 'cpu', prefix: str | None = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        # e.g. pred_key='pred_iem_img', prefix='iem': the enhancer's IEM output uᴷ alone
        self.pred_key = pred_key
        if quantize not in QUANTIZERS:
            raise ValueError(f"quantize must be 'round' or 'floor', got {quantize!r}")
        self.quantize = quantize
        if crop_border < 0:
            raise ValueError(f'crop_border must be >= 0, got {crop_border}')
        self.crop_border = int(crop_border)
        self.print_per_image = print_per_image
        self.per_image: list[tuple[str, float]] = []

    def score(self, pred: np.ndarray, gt: np.ndarray) -> float:
        """The metric of two H x W x 3 uint8 images."""
        raise NotImplementedError

    def process(self, data_batch: object, data_samples: Sequence[dict]) -> None:
        """Score every sample; keep ``(img_path, value)`` in ``self.results``."""
        for i, sample in enumerate(data_samples):
            name = str(sample.get('img_path', f'sample {len(self.results) + i}'))
            pred = quantize_8bit(_field(sample, self.pred_key, name), self.quantize)
            gt = quantize_8bit(_field(sample, 'gt_img', name))
            if pred.shape != gt.shape:
                raise ValueError(f'{self.metric_name}: pred_img {pred.shape[:2]} and gt_img '
                                 f'{gt.shape[:2]} differ in size for {name}')
            c = self.crop_border
            if c:
                if min(pred.shape[:2]) <= 2 * c:
                    raise ValueError(f'crop_border={c} removes all of {name}')
                pred, gt = pred[c:-c, c:-c], gt[c:-c, c:-c]
            self.results.append((name, self.score(pred, gt)))

    def compute_metrics(self, results: list) -> dict[str, float]:
        """Mean over images; ``self.per_image`` keeps the values."""
        self.per_image = [(str(n), float(v)) for n, v in results]
        if self.print_per_image:
            print_log('\n' + self.format_table(), logger='current')
        if not results:
            return {self.metric_name: float('nan')}
        return {self.metric_name: float(np.mean([v for _, v in self.per_image]))}

    def format_table(self, per_image: list[tuple[str, float]] | None = None) -> str:
        """A small text table of ``(image, value)`` rows and the mean."""
        rows = self.per_image if per_image is None else per_image
        names = [osp.basename(n) for n, _ in rows] + ['mean']
        values = [v for _, v in rows]
        values.append(float(np.mean(values)) if values else float('nan'))
        width = max(len(n) for n in names + ['image'])
        lines = [f'{"image":<{width}}  {self.metric_name:>10}']
        lines += [f'{n:<{width}}  {v:>10.4f}' for n, v in zip(names, values)]
        return '\n'.join(lines)


@METRICS.register_module()
class PSNR(_ImageMetric):
    """Peak signal-to-noise ratio (dB) on 8-bit RGB, ``10 log10(255^2 / MSE)``.

    Args:
        crop_border: pixels removed on each side before scoring.
        quantize: 'round' (default) or 'floor' (the released RUAS code's 8-bit output).
        max_db: cap of the value; identical images score exactly ``max_db``. ``None``
            gives ``inf`` for them (as scikit-image), which makes the mean ``inf``.
        print_per_image: log a per-image table in ``compute_metrics``.
    """

    metric_name = 'PSNR'

    def __init__(self, crop_border: int = 0, max_db: float | None = 100.0,
                 print_per_image: bool = False, **kwargs) -> None:
        super().__init__(crop_border, print_per_image, **kwargs)
        self.max_db = max_db

    def score(self, pred: np.ndarray, gt: np.ndarray) -> float:
        return psnr(pred, gt, 255.0, self.max_db)


@METRICS.register_module()
class SSIM(_ImageMetric):
    """Structural similarity on 8-bit RGB (11x11 Gaussian window, sigma 1.5, K1 0.01,
    K2 0.03, per channel then averaged; equal to scikit-image's Gaussian SSIM).

    Args:
        crop_border: pixels removed on each side before scoring.
        quantize: 'round' (default) or 'floor' (the released RUAS code's 8-bit output).
        print_per_image: log a per-image table in ``compute_metrics``.
    """

    metric_name = 'SSIM'

    def score(self, pred: np.ndarray, gt: np.ndarray) -> float:
        return ssim(pred, gt, 255.0)


def check_lpips_files(net_weights: str, lin_weights: str) -> None:
    """Raise a one-line ``FileNotFoundError`` for a missing LPIPS weight file."""
    for path, what in ((net_weights, 'a torchvision AlexNet state dict'),
                       (lin_weights, "the LPIPS v0.1 linear layers (lpips' alex.pth)")):
        if not path or not osp.isfile(str(path)):
            raise FileNotFoundError(f'LPIPS needs a local file with {what}; not found: '
                                    f'{path} (weights are never downloaded)')


class LPIPSNet(nn.Module):
    """LPIPS v0.1 with AlexNet (Zhang et al., 2018); weights come only from local files.

    ``forward(x, y)`` takes B x 3 x H x W RGB in [0, 1] and returns B distances.
    """

    CHANNELS = (64, 192, 384, 256, 256)
    SLICES = ((0, 2), (2, 5), (5, 8), (8, 10), (10, 12))  # up to relu1 ... relu5

    def __init__(self) -> None:
        super().__init__()
        # torchvision's AlexNet ``features`` up to relu5 (same layers and state-dict keys),
        # built directly to skip the 58M-parameter classifier.
        relu = nn.ReLU(inplace=True)
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, 11, 4, 2), relu, nn.MaxPool2d(3, 2),
            nn.Conv2d(64, 192, 5, padding=2), relu, nn.MaxPool2d(3, 2),
            nn.Conv2d(192, 384, 3, padding=1), relu,
            nn.Conv2d(384, 256, 3, padding=1), relu,
            nn.Conv2d(256, 256, 3, padding=1), relu)
        self.lins = nn.ModuleList(nn.Conv2d(c, 1, 1, bias=False) for c in self.CHANNELS)
        self.register_buffer('shift', torch.tensor([-0.030, -0.088, -0.188]).view(1, 3, 1, 1))
        self.register_buffer('scale', torch.tensor([0.458, 0.448, 0.450]).view(1, 3, 1, 1))

    def load_local(self, net_weights: str, lin_weights: str) -> None:
        """Load a torchvision AlexNet state dict (``features.<i>.*``) and the LPIPS linear
        layers (``lin<k>.model.1.weight`` as in lpips' ``weights/v0.1/alex.pth``)."""
        check_lpips_files(net_weights, lin_weights)
        net = torch.load(net_weights, map_location='cpu', weights_only=True)
        feats = {k[len('features.'):]: v for k, v in net.items() if k.startswith('features.')}
        missing = sorted(set(self.features.state_dict()) - set(feats))
        if missing:
            raise KeyError(f'{net_weights} lacks AlexNet key features.{missing[0]}')
        self.features.load_state_dict({k: feats[k] for k in self.features.state_dict()})
        lin = torch.load(lin_weights, map_location='cpu', weights_only=True)
        for k, conv in enumerate(self.lins):
            key = next((n for n in lin if re.fullmatch(rf'lin{k}\.(model\.1\.)?weight', n)), None)
            if key is None:
                raise KeyError(f'{lin_weights} lacks LPIPS key lin{k}.model.1.weight')
            conv.weight.data.copy_(lin[key].reshape(conv.weight.shape))

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        x = ((x * 2 - 1) - self.shift) / self.scale
        y = ((y * 2 - 1) - self.shift) / self.scale
        dist = x.new_zeros(x.shape[0])
        for (start, end), lin in zip(self.SLICES, self.lins):
            x, y = self.features[start:end](x), self.features[start:end](y)
            fx = x / (x.pow(2).sum(1, keepdim=True).sqrt() + 1e-10)
            fy = y / (y.pow(2).sum(1, keepdim=True).sqrt() + 1e-10)
            dist = dist + lin((fx - fy) ** 2).mean(dim=(1, 2, 3))
        return dist


@METRICS.register_module()
class LPIPS(_ImageMetric):
    """Learned perceptual distance (lower is better) on the 8-bit images scaled to [0, 1].

    Args:
        net_weights: local torchvision AlexNet state dict (e.g. ``alexnet-owt-7be5be79.pth``).
        lin_weights: local LPIPS v0.1 linear layers (``alex.pth`` of the lpips package).
        device: where the network runs.
        crop_border: pixels removed on each side before scoring.
        print_per_image: log a per-image table in ``compute_metrics``.
    """

    metric_name = 'LPIPS'

    def __init__(self, net_weights: str, lin_weights: str, device: str = 'cpu',
                 crop_border: int = 0, print_per_image: bool = False, **kwargs) -> None:
        check_lpips_files(net_weights, lin_weights)  # before building anything
        super().__init__(crop_border, print_per_image, **kwargs)
        self.net = LPIPSNet()
        self.net.load_local(net_weights, lin_weights)
        self.net.to(device).eval()
        self.device = device

    @torch.no_grad()
    def score(self, pred: np.ndarray, gt: np.ndarray) -> float:
        def to_tensor(a: np.ndarray) -> torch.Tensor:
            t = torch.from_numpy(np.ascontiguousarray(a.transpose(2, 0, 1)))
            return (t.float() / 255.0)[None].to(self.device)

        return float(self.net(to_tensor(pred), to_tensor(gt))[0])
