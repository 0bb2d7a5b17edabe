"""Cooperative architecture search of a scene module and a task model
(docs/method.md#cooperative-search-alg-1).

:class:`SceneTaskSearchModel` wraps a task model (an mmdet detector or an mmseg segmentor)
whose data preprocessor runs a searchable RUAS scene module (:class:`RUASDetDataPreprocessor`,
:class:`RUASSegDataPreprocessor`) and which has searchable units (detection: the neck and
head, :class:`SearchSSDNeck`, :class:`SearchSSDHead`; segmentation: the feature conversion of
DeepLab-v3+, :class:`SearchSepASPPHead`):

* scene side: ω_s, α_s = the scene module's weights and ``arch_alpha``; L_s = ℓs of
  eq. 5 (:class:`~mmruas.losses.SceneLoss`, ``‖tᴷ − y‖² + η·RTV(tᴷ)``) on the scene output
  of the batch;
* task side: ω_t = every other weight of the task model (backbone, neck, heads), α_t =
  its ``arch_alpha``; L_t = the task's loss (the sum of its parsed losses: detection, or
  segmentation cross-entropy with the auxiliary head's) on the preprocessed batch, i.e. on
  the scene's output. The task's validation loss is the same loss on the validation batch.

The phases are :class:`~mmruas.search.CooperativeSearchMixin`'s, driven by
:class:`~mmruas.search.CooperativeSearchHook` exactly as for the enhancer. ℓs depends on
the IEM only (tᴷ); the NRM cells of a RUAS / RUAS_A scene are part of the scene side but
are reached by the detection loss only (the β cross term, the 'global' strategy), so
RUAS_S (IEM only, as the published detection scene cell) is the natural scene to search.

**Backbone.** The backbone is fixed during the search (RUAS-TPAMI §7.1, "Evaluations on
different backbones"): with ``freeze_backbone=True`` (the configs' default) its weights take no
gradient and belong to no search group, and its normalisation layers stay in eval mode (their
running statistics are not updated). ``freeze_backbone=False`` makes its weights part of ω_t.
``eval_modules`` names further task submodules whose normalisation statistics stay fixed (their
weights still train), e.g. DeepLab-v3+'s image-pooling branch, which BatchNorm cannot
normalise in training from one image (a 1 × 1 map at batch 1).

**Determinism.** A search step evaluates each loss several times (virtual step, finite
differences); the batch is moved to the device once and every evaluation runs the same
deterministic preprocessing, so random batch augmentations are refused.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from torch import Tensor, nn

from ..registry import MODELS
from ..search.cooperative import CooperativeSearchMixin, ScenePass
from ..search_space.alphas import tie_unit_alphas
from ..search_space.cell import DistillationCell
from ..search_space.unit import searchable_units
from .scene_task_model import SceneTaskModel, scene_loss_of
from .search_groups import task_genotype_cfg

__all__ = ['SceneTaskSearchModel']


@MODELS.register_module()   # mmdet's and mmseg's MODELS: the adapters mmruas.det / mmruas.seg
class SceneTaskSearchModel(CooperativeSearchMixin, SceneTaskModel):
    """Args:
        task: config of the detector or segmentor; its ``data_preprocessor`` must run a
            scene with searchable cells (``RUASDetDataPreprocessor`` /
            ``RUASSegDataPreprocessor`` with e.g.
            ``scene=dict(type='RUAS', variant='RUAS_S', iem=dict(genotype=None))``), and it
            must have searchable units (genotype ``None``: SSD neck/head, ASPP head).
        scene_loss: config of ℓs (default ``dict(type='SceneLoss')``).
        tie_alphas: share α across the IEM cells and across the NRM cells of the scene (one
            IEM and one NRM genotype, as a RUAS config expresses them).
        freeze_backbone: keep the backbone fixed: no gradient, no search group, eval mode
            (module doc).
        eval_modules: dotted names of task submodules kept in eval mode (module doc).
        beta, order, r: see :class:`~mmruas.search.CooperativeSearchMixin` (the hook's
            ``set_search_step`` may change ``beta`` and ``order``).
        retrain_key: where the task sits in the retrain config's ``model``: ``None``
            (the model is the detector/segmentor) or e.g. ``'task'`` (a
            :class:`SceneTaskModel`).
        data_preprocessor, task_scope, init_cfg: as :class:`SceneTaskModel`.
    """

    search_loss_names = ('loss_scene', 'loss_task')

    def __init__(self, task: dict, scene_loss: dict | None = None, tie_alphas: bool = True,
                 freeze_backbone: bool = False, eval_modules: Sequence[str] = (),
                 beta: float = 1.0, order: int = 2,
                 r: float = 0.01, retrain_key: str | None = None,
                 data_preprocessor: dict | None = None, task_scope: str | None = None,
                 init_cfg: dict | None = None) -> None:
        super().__init__(task, scene_loss=scene_loss, lam=0.0,
                         data_preprocessor=data_preprocessor, task_scope=task_scope,
                         init_cfg=init_cfg)
        pp = self.data_preprocessor
        if not hasattr(pp, 'run_scene'):
            raise TypeError('SceneTaskSearchModel: the data preprocessor must run the scene '
                            'module (RUASDetDataPreprocessor / RUASSegDataPreprocessor), '
                            f'got {type(pp).__name__}')
        if pp.freeze_scene:
            raise ValueError('SceneTaskSearchModel: the scene is searched; freeze_scene must '
                             'be False')
        if getattr(pp, 'batch_augments', None):
            raise ValueError('SceneTaskSearchModel: random batch_augments would change the '
                             'batch between the loss evaluations of one search step')
        cells = [searchable_units(getattr(pp.scene, k, None), DistillationCell)
                 for k in ('iem', 'nrm')]
        if not any(cells):
            raise ValueError('SceneTaskSearchModel: the scene needs searchable cells, e.g. '
                             "scene=dict(type='RUAS', variant='RUAS_S', iem=dict(genotype=None))")
        if tie_alphas:
            for part in cells:
                tie_unit_alphas(part)
        if freeze_backbone:
            self.task.backbone.requires_grad_(False)
        self.tie_alphas, self.freeze_backbone = tie_alphas, freeze_backbone
        self.eval_modules = tuple(eval_modules)
        for name in self.eval_modules:
            self.task.get_submodule(name)   # fails early on a wrong name
        self.train(self.training)
        self.retrain_key = retrain_key
        self.init_search(beta, order, r)
        if not self.search_groups()['task_alpha']:
            raise ValueError('SceneTaskSearchModel: the task has no searchable units; set '
                             'neck.genotype=None and bbox_head.reg_genotype/cls_genotype=None '
                             '(SSD), neck.fem_genotype/extra_genotype=None (DSFD) or '
                             'decode_head.aspp_genotype=None (DeepLab-v3+)')

    def train(self, mode: bool = True) -> nn.Module:
        """``nn.Module.train``; a frozen backbone and ``eval_modules`` stay in eval mode."""
        super().train(mode)
        if self.freeze_backbone:
            self.task.backbone.eval()
        for name in self.eval_modules:
            self.task.get_submodule(name).eval()
        return self

    # ------------------------------------------------------------------ search model
    def search_sides(self) -> tuple[nn.Module, nn.Module]:
        """The scene module (in the data preprocessor) and the detector / segmentor."""
        return self.data_preprocessor.scene, self.task

    def search_inputs(self, data: dict) -> dict:
        """The data batch on the model's device (images still raw: the scene runs later)."""
        return self.data_preprocessor.cast_data(dict(data))

    def search_scene_pass(self, batch: dict) -> ScenePass:
        """One preprocessor pass: the scene output, normalised and padded, with its samples
        (the task's input), and ℓs of the scene."""
        data, outs = self.data_preprocessor.run(batch, training=True)
        return ScenePass(data, scene_loss_of(outs, self.scene_loss))

    def search_task_loss(self, task_inputs: dict) -> Tensor:
        """The task's loss, the sum of its parsed losses."""
        losses = self.task.loss(task_inputs['inputs'], task_inputs['data_samples'])
        loss, _ = self.parse_losses(losses)
        return loss

    def genotype_cfg(self) -> dict[str, Any]:
        """Scene genotypes in ``data_preprocessor.scene``, neck and head genotypes
        (:func:`task_genotype_cfg`), under ``retrain_key`` if set."""
        cfg = task_genotype_cfg(self.task)
        return {self.retrain_key: cfg} if self.retrain_key else cfg
