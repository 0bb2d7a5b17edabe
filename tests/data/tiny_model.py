"""Test-only components: a linear regressor, a synthetic data set, an MSE metric and a hook.

Registered in mmengine's root registries so that a config with any (or no)
``default_scope`` finds them via ``custom_imports=dict(imports=['tests.data.tiny_model'])``.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from mmengine.evaluator import BaseMetric
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from mmengine.registry import DATASETS, HOOKS, METRICS, MODELS
from torch import nn
from torch.utils.data import Dataset

IN_FEATURES = 4


@MODELS.register_module(force=True)
class TinyRegressor(BaseModel):
    """``y = w.x + b`` trained with MSE; ``predict`` returns one dict per sample."""

    def __init__(self, in_features: int = IN_FEATURES, data_preprocessor=None) -> None:
        super().__init__(data_preprocessor=data_preprocessor)
        self.linear = nn.Linear(in_features, 1)

    def forward(self, inputs: torch.Tensor, target: torch.Tensor | None = None,
                mode: str = 'tensor'):
        pred = self.linear(inputs).squeeze(-1)
        if mode == 'loss':
            return dict(loss=nn.functional.mse_loss(pred, target))
        if mode == 'predict':
            return [dict(pred=p, target=t) for p, t in zip(pred.detach(), target)]
        return pred


@DATASETS.register_module(force=True)
class TinyRegressionDataset(Dataset):
    """``num`` samples of ``y = x.w + 0.5 + noise`` drawn from a fixed generator."""

    def __init__(self, num: int = 32, seed: int = 0) -> None:
        gen = torch.Generator().manual_seed(seed)
        self.x = torch.randn(num, IN_FEATURES, generator=gen)
        weight = torch.arange(1, IN_FEATURES + 1, dtype=torch.float32)
        self.y = self.x @ weight + 0.5 + 0.01 * torch.randn(num, generator=gen)
        self.metainfo = dict(name='tiny_regression')

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, idx: int) -> dict:
        return dict(inputs=self.x[idx], target=self.y[idx])


@METRICS.register_module(force=True)
class TinyMSEMetric(BaseMetric):
    """Mean squared error of ``pred`` against ``target`` over the whole data set."""

    default_prefix = 'tiny'

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            self.results.append(float((sample['pred'] - sample['target']) ** 2))

    def compute_metrics(self, results: list) -> dict:
        return dict(mse=sum(results) / len(results))


@HOOKS.register_module(force=True)
class IterRecorderHook(Hook):
    """Records ``runner.iter`` before every training iteration (to observe resuming)."""

    def __init__(self) -> None:
        self.iters: list[int] = []

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        self.iters.append(runner.iter)
        runner.logger.info(f'IterRecorderHook: starting iter {runner.iter}')
