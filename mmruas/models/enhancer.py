"""The low-light enhancement model: a RUAS scene module trained without ground truth.

``loss`` mode uses only unsupervised losses: the scene loss (default the papers' ℓs,
:class:`~mmruas.losses.SceneLoss`, RUAS-TPAMI eq. 5), the NRM loss, and for RUAS_A an
L1 loss teaching the estimator to predict the noise the NRM removes (the papers do not
say how the estimator is trained; this is our choice). ``predict`` mode fills
``pred_img`` (the final output, not clamped, as in the released code),
``pred_iem_img`` (uᴷ, the IEM alone) and ``pred_illumination`` (tᴷ).

Training with one optimiser (``optim_wrapper=dict(type='OptimWrapper', ...)``) steps all
parts on the summed losses. With one optimiser per part
(``constructor='EnhancerOptimWrapperConstructor'``, keys ``iem``, ``nrm`` and for RUAS_A
``estimator``) the parts train as the RUAS-CVPR authors' script does: the IEM every
iteration on the scene loss; the NRM (and estimator) every ``nrm_interval``-th iteration
(0, n, 2n, …) on their losses, with uᴷ recomputed by the just-updated IEM.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from mmengine.logging import MessageHub
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapperDict
from mmengine.structures import BaseDataElement

from ..losses.ruas_losses import scene_loss_of_stages
from ..registry import MODELS, build_mmruas_module
from ..scene import SceneOutput

__all__ = ['RUASEnhancer']


@MODELS.register_module()
class RUASEnhancer(BaseModel):
    """Args:
        scene: config of the scene module (``dict(type='RUAS', variant=...)``).
        scene_loss: the IEM's loss (default ℓs, ``dict(type='SceneLoss')``); any loss of
            :mod:`mmruas.losses` with a ``scene_loss_of_stages`` or a ``loss(tᴷ, y)`` module.
        nrm_loss: the NRM's loss (default :class:`~mmruas.losses.NRMLoss`).
        estimator_loss_weight: weight of the estimator's L1 loss (RUAS_A).
        nrm_interval: with per-part optimisers, the NRM steps every this many iterations.
        data_preprocessor: defaults to :class:`EnhanceDataPreprocessor`.
    """

    def __init__(self, scene: dict, scene_loss: dict | None = None,
                 nrm_loss: dict | None = None, estimator_loss_weight: float = 1.0,
                 nrm_interval: int = 1, data_preprocessor: dict | None = None,
                 init_cfg: dict | None = None) -> None:
        # built here from mmruas's registry: BaseModel would use mmengine's root registry,
        # which only finds unprefixed mmruas names inside a Runner with default_scope
        # (``_scope_='mmruas'``: unprefixed names also resolve under another default scope)
        if data_preprocessor is None or isinstance(data_preprocessor, dict):
            data_preprocessor = build_mmruas_module(
                data_preprocessor or dict(type='EnhanceDataPreprocessor'))
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if int(nrm_interval) < 1:
            raise ValueError(f'nrm_interval must be >= 1, got {nrm_interval}')
        self.scene = build_mmruas_module(scene)
        self.scene_loss = build_mmruas_module(scene_loss or dict(type='SceneLoss'))
        self.nrm_loss = build_mmruas_module(nrm_loss or dict(type='NRMLoss'))
        self.estimator_loss_weight = estimator_loss_weight
        self.nrm_interval = int(nrm_interval)
        self._steps = 0

    def forward(self, inputs: torch.Tensor, data_samples: list | None = None,
                mode: str = 'tensor'):
        out = self.scene(inputs)
        if mode == 'loss':
            return self.loss(out, inputs)
        if mode == 'predict':
            return self.predict(out, data_samples)
        if mode == 'tensor':
            return out.output
        raise ValueError(f'invalid mode {mode!r}; use "loss", "predict" or "tensor"')

    # ------------------------------------------------------------------ losses
    def iem_loss(self, out: SceneOutput, y: torch.Tensor) -> torch.Tensor:
        """The scene loss of the IEM's stages on input ``y``."""
        return scene_loss_of_stages(self.scene_loss, out.ts, out.t_hats, y)

    def denoiser_losses(self, out: SceneOutput) -> dict[str, torch.Tensor]:
        """NRM loss (and RUAS_A's estimator loss) of a scene output."""
        losses = {}
        if out.denoised is not None:
            losses['loss_nrm'] = self.nrm_loss(out.denoised, out.us[-1])
        if out.noise_map is not None and self.estimator_loss_weight > 0:
            target = (out.us[-1] - out.denoised).detach()
            losses['loss_estimator'] = self.estimator_loss_weight * F.l1_loss(
                out.noise_map, target)
        return losses

    def loss(self, out: SceneOutput, y: torch.Tensor) -> dict[str, torch.Tensor]:
        return {'loss_iem': self.iem_loss(out, y), **self.denoiser_losses(out)}

    # ------------------------------------------------------------------ training
    def optim_parts(self) -> dict[str, torch.nn.Module]:
        """The parts that per-part optimisers train: ``iem``, ``nrm``, ``estimator``."""
        parts = {'iem': self.scene.iem, 'nrm': getattr(self.scene, 'nrm', None),
                 'estimator': getattr(self.scene, 'estimator', None)}
        return {k: m for k, m in parts.items() if m is not None}

    def _iteration(self) -> int:
        """The runner's iteration (resume-safe); this model's own count outside a runner."""
        hub = MessageHub.get_current_instance()
        it = hub.get_info('iter') if hub is not None else None
        return self._steps if it is None else int(it)

    def train_step(self, data, optim_wrapper) -> dict[str, torch.Tensor]:
        if not isinstance(optim_wrapper, OptimWrapperDict):
            return super().train_step(data, optim_wrapper)
        it = self._iteration()
        self._steps += 1
        data = self.data_preprocessor(data, True)
        y = data['inputs']
        with optim_wrapper['iem'].optim_context(self):
            us, ts, t_hats = self.scene.iem(y)
            loss_iem = scene_loss_of_stages(self.scene_loss, ts, t_hats, y)
        optim_wrapper['iem'].update_params(loss_iem)
        log = {'loss_iem': loss_iem}
        if it % self.nrm_interval == 0 and 'nrm' in optim_wrapper:
            with optim_wrapper['nrm'].optim_context(self):
                with torch.no_grad():      # uᴷ of the just-updated IEM, a fixed input
                    u = self.scene.iem(y)[0][-1]
                out = self.scene.denoise(u)
                losses = self.denoiser_losses(out)
            for key, part in (('loss_nrm', 'nrm'), ('loss_estimator', 'estimator')):
                if key in losses and part in optim_wrapper:
                    optim_wrapper[part].update_params(losses[key])
            log.update(losses)
        _, log_vars = self.parse_losses(log)
        return log_vars

    # ------------------------------------------------------------------ inference
    def predict(self, out: SceneOutput, data_samples: list | None) -> list[BaseDataElement]:
        n = out.output.shape[0]
        data_samples = data_samples if data_samples is not None else [
            BaseDataElement() for _ in range(n)]
        for i, ds in enumerate(data_samples):
            h, w = ds.metainfo.get('img_shape', out.output.shape[-2:])[:2]
            # results, not graph nodes: detached so data samples can be copied and stored
            ds.pred_img = out.output[i, :, :h, :w].detach()
            ds.pred_iem_img = out.us[-1][i, :, :h, :w].detach()
            ds.pred_illumination = out.ts[-1][i, :, :h, :w].detach()
            if out.gate is not None:
                ds.set_metainfo({'noise_level': out.noise_level[i].detach(),
                                 'noise_gate': out.gate[i]})
        return data_samples
