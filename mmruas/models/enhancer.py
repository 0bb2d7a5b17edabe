"""The low-light enhancement model: a RUAS scene module trained without ground truth.

``loss`` mode uses only the unsupervised losses (IEM loss on every stage, NRM loss,
and for RUAS_A an L1 loss teaching the estimator to predict the noise the NRM
removes — the papers do not say how the estimator is trained; this is our choice);
``predict`` mode fills ``pred_img`` (the final output, not clamped, as in the released
code) and ``pred_illumination`` (tᴷ) in each data sample, for metrics and tools.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from mmengine.structures import BaseDataElement

from ..registry import MODELS
from ..scene import SceneOutput

__all__ = ['RUASEnhancer']


def _build(cfg: dict) -> torch.nn.Module:
    """Build from mmruas's registry whatever the current default scope."""
    cfg = dict(cfg)
    cfg.setdefault('_scope_', 'mmruas')
    return MODELS.build(cfg)


@MODELS.register_module()
class RUASEnhancer(BaseModel):
    """Args:
        scene: config of the scene module (``dict(type='RUAS', variant=...)``).
        iem_loss, nrm_loss: loss configs (see :mod:`mmruas.losses`).
        estimator_loss_weight: weight of the estimator's L1 loss (RUAS_A).
        data_preprocessor: defaults to :class:`EnhanceDataPreprocessor`.
    """

    def __init__(self, scene: dict, iem_loss: dict | None = None, nrm_loss: dict | None = None,
                 estimator_loss_weight: float = 1.0, data_preprocessor: dict | None = None,
                 init_cfg: dict | None = None) -> None:
        # built here from mmruas's registry: BaseModel would use mmengine's root registry,
        # which only finds unprefixed mmruas names inside a Runner with default_scope
        # (``_scope_='mmruas'``: unprefixed names also resolve under another default scope)
        if data_preprocessor is None or isinstance(data_preprocessor, dict):
            data_preprocessor = _build(data_preprocessor or dict(type='EnhanceDataPreprocessor'))
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.scene = _build(scene)
        self.iem_loss = _build(iem_loss or dict(type='IEMLoss'))
        self.nrm_loss = _build(nrm_loss or dict(type='NRMLoss'))
        self.estimator_loss_weight = estimator_loss_weight

    def forward(self, inputs: torch.Tensor, data_samples: list | None = None,
                mode: str = 'tensor'):
        out = self.scene(inputs)
        if mode == 'loss':
            return self.loss(out)
        if mode == 'predict':
            return self.predict(out, data_samples)
        if mode == 'tensor':
            return out.output
        raise ValueError(f'invalid mode {mode!r}; use "loss", "predict" or "tensor"')

    def loss(self, out: SceneOutput) -> dict[str, torch.Tensor]:
        losses = {'loss_iem': self.iem_loss(out.ts, out.t_hats)}
        if out.denoised is not None:
            losses['loss_nrm'] = self.nrm_loss(out.denoised, out.us[-1])
        if out.noise_map is not None and self.estimator_loss_weight > 0:
            target = (out.us[-1] - out.denoised).detach()
            losses['loss_estimator'] = self.estimator_loss_weight * F.l1_loss(
                out.noise_map, target)
        return losses

    def predict(self, out: SceneOutput, data_samples: list | None) -> list[BaseDataElement]:
        n = out.output.shape[0]
        data_samples = data_samples if data_samples is not None else [
            BaseDataElement() for _ in range(n)]
        for i, ds in enumerate(data_samples):
            h, w = ds.metainfo.get('img_shape', out.output.shape[-2:])[:2]
            # results, not graph nodes: detached so data samples can be copied and stored
            ds.pred_img = out.output[i, :, :h, :w].detach()
            ds.pred_illumination = out.ts[-1][i, :, :h, :w].detach()
            if out.gate is not None:
                ds.set_metainfo({'noise_level': out.noise_level[i].detach(),
                                 'noise_gate': out.gate[i]})
        return data_samples
