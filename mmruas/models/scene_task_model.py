"""End-to-end training objective ``ℓt(Ψt(uᴷ(ωs); ωt)) + λ·ℓs(ωs)`` (RUAS-TPAMI eq. 5).

:class:`SceneTaskModel` wraps any mmengine ``BaseModel`` task model (a detector, a
segmentor) whose data preprocessor runs the scene module
(:class:`~mmruas.models.scene_preprocessor.SceneDataPreprocessorMixin`). ``loss`` returns
the task's losses plus ``loss_scene = λ·ℓs(tᴷ, y)``, computed from the batch's
:class:`~mmruas.scene.SceneOutput` s: its ``train_step`` asks the preprocessor for them
explicitly (:meth:`SceneDataPreprocessorMixin.run`) and hands them to ``forward`` as
``scene_outputs``; under data parallelism
:class:`SceneTaskDistributedDataParallel` does the same
(``model_wrapper_cfg=dict(type='SceneTaskDistributedDataParallel')``, set by the λ > 0
configs). The preprocessor itself returns what any task model takes. ``predict`` and
``tensor`` delegate to the task.
With λ = 0 the wrapper is unnecessary: swapping the preprocessor alone is eq. 5 with λ = 0.
It imports neither mmdet nor mmseg; the adapters (:mod:`mmruas.det`, :mod:`mmruas.seg`)
register it where those libraries look.
"""
from __future__ import annotations

import copy
from collections.abc import Callable, Sequence

import torch
from mmengine.model import BaseModel
from mmengine.model.wrappers import MMDistributedDataParallel
from mmengine.registry import MODEL_WRAPPERS, DefaultScope
from mmengine.registry import MODELS as ROOT_MODELS

from ..losses.ruas_losses import scene_loss_of_stages
from ..registry import MODELS
from ..scene import SceneOutput
from .scene_preprocessor import SceneDataPreprocessorMixin, build_mmruas_module

__all__ = ['SceneTaskModel', 'SceneTaskDistributedDataParallel', 'scene_loss_of']


def scene_loss_of(outputs: Sequence[SceneOutput],
                  loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> torch.Tensor:
    """ℓs of a batch from its scene outputs (one per image size): the image-count-weighted
    mean of the scene loss over the outputs (:func:`mmruas.losses.scene_loss_of_stages`:
    ``loss_fn(tᴷ, y)`` for ℓs), which for one output is the loss on the whole batch (eq. 5)."""
    if not outputs:
        raise RuntimeError('no scene output: the data preprocessor has not run a scene '
                           'module on this batch')
    if any(not out.ts for out in outputs):  # e.g. BGL's GenerativeBlock as the scene
        raise ValueError('the scene module returns no illumination maps tᴷ (a plain image, '
                         'e.g. a GenerativeBlock), so it has no scene loss ℓs: use lam=0')
    total, count = None, 0
    for out in outputs:
        n = out.ts[-1].shape[0]
        term = scene_loss_of_stages(loss_fn, out.ts, out.t_hats, out.input) * n
        total = term if total is None else total + term
        count += n
    return total / count


@MODELS.register_module()
class SceneTaskModel(BaseModel):
    """Args:
        task: config of the task model (any detector or segmentor config; its
            ``data_preprocessor`` should run the scene, e.g. ``RUASDetDataPreprocessor``).
        scene_loss: config of ℓs (default ``dict(type='SceneLoss')``, mmruas's registry).
        lam: λ of eq. 5; 0 adds no ``loss_scene``.
        data_preprocessor: replaces the task config's ``data_preprocessor`` if given; the
            wrapper's preprocessor is always the task model's own.
        task_scope: registry scope the task is built in (default: the current default
            scope, else ``'mmdet'``).
    """

    def __init__(self, task: dict, scene_loss: dict | None = None, lam: float = 0.0,
                 data_preprocessor: dict | None = None, task_scope: str | None = None,
                 init_cfg: dict | None = None) -> None:
        task = copy.deepcopy(dict(task))
        if data_preprocessor is not None:
            task['data_preprocessor'] = data_preprocessor
        if task_scope is None and DefaultScope.get_current_instance() is None:
            task_scope = 'mmdet'
        if task_scope is not None:
            task.setdefault('_scope_', task_scope)
        task_model = ROOT_MODELS.build(task)
        if not isinstance(task_model, BaseModel):
            raise TypeError(f'SceneTaskModel: the task must be an mmengine BaseModel, got '
                            f'{type(task_model).__name__}')
        lam = float(lam)
        if lam < 0:
            raise ValueError(f'SceneTaskModel: lam must be >= 0, got {lam}')
        pp = task_model.data_preprocessor
        if lam > 0 and not isinstance(pp, SceneDataPreprocessorMixin):
            raise ValueError('SceneTaskModel: lam > 0 needs a data preprocessor that runs the '
                             f'scene module, got {type(pp).__name__}')
        super().__init__(data_preprocessor=pp, init_cfg=init_cfg)
        self.task = task_model
        self.lam = lam
        self.scene_loss = build_mmruas_module(scene_loss or dict(type='SceneLoss'))

    def preprocess(self, data: dict, training: bool = False) -> dict:
        """The batch for ``forward``: the data preprocessor's output, plus the batch's scene
        outputs (``scene_outputs``) when training with λ > 0."""
        if not (training and self.lam > 0):
            return self.data_preprocessor(data, training)
        data, scene_outputs = self.data_preprocessor.run(data, training)
        return dict(data, scene_outputs=scene_outputs)

    def train_step(self, data: dict, optim_wrapper) -> dict[str, torch.Tensor]:
        """``BaseModel.train_step`` with :meth:`preprocess` (the scene outputs for ℓs)."""
        with optim_wrapper.optim_context(self):
            losses = self._run_forward(self.preprocess(data, True), mode='loss')
        parsed, log_vars = self.parse_losses(losses)
        optim_wrapper.update_params(parsed)
        return log_vars

    def forward(self, inputs: torch.Tensor, data_samples: list | None = None,
                mode: str = 'tensor', scene_outputs: list[SceneOutput] | None = None):
        """``loss``: task losses + ``loss_scene``; ``predict``/``tensor``: the task's."""
        if mode == 'loss':
            return self.loss(inputs, data_samples, scene_outputs)
        return self.task(inputs, data_samples, mode=mode)

    def loss(self, inputs: torch.Tensor, data_samples: list | None,
             scene_outputs: list[SceneOutput] | None = None) -> dict:
        """``ℓt`` from the task model and ``loss_scene = λ·ℓs(tᴷ, y)`` (eq. 5) from the
        batch's scene outputs."""
        losses = self.task(inputs, data_samples, mode='loss')
        if self.lam == 0:
            return losses
        if 'loss_scene' in losses:
            raise KeyError('SceneTaskModel: the task model already returns "loss_scene"')
        n = sum(out.output.shape[0] for out in scene_outputs or [])
        if n != len(inputs):
            raise RuntimeError(f'SceneTaskModel: the scene outputs handed forward hold {n} '
                               f'images, the batch {len(inputs)}; with lam > 0 the batch comes '
                               'from SceneTaskModel.preprocess (its train_step; under DDP '
                               "model_wrapper_cfg=dict(type='SceneTaskDistributedDataParallel'))")
        losses['loss_scene'] = self.lam * scene_loss_of(scene_outputs, self.scene_loss)
        return losses


# mmengine's root registry: the Runner looks wrappers up there by plain name, whatever the
# config's scope (mmruas, mmdet, mmseg)
@MODEL_WRAPPERS.register_module()
class SceneTaskDistributedDataParallel(MMDistributedDataParallel):
    """mmengine's DDP wrapper whose ``train_step`` preprocesses with
    :meth:`SceneTaskModel.preprocess` (the scene outputs for ℓs when λ > 0); the forward
    and backward still go through DDP, so gradients are averaged as usual."""

    def train_step(self, data: dict, optim_wrapper) -> dict[str, torch.Tensor]:
        with optim_wrapper.optim_context(self):
            losses = self._run_forward(self.module.preprocess(data, True), mode='loss')
        parsed, log_vars = self.module.parse_losses(losses)
        optim_wrapper.update_params(parsed)
        return log_vars
