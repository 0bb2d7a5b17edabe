"""Parameter groups and genotype config of a task model searched with its scene
(docs/method.md#task-edges
 ).

In the cooperative search of a detector or segmentor the *scene* side is the scene module
in front of the task model (in its data preprocessor) and the *task* side is the task model
itself: ω_t are the backbone, neck and head weights (the backbone's architecture is fixed,
its weights train), α_t the ``arch_alpha`` of its searchable units (SSD neck and head, FEM
neck, ASPP head). The search step itself is :class:`~mmruas.models.SceneTaskSearchModel`'s.
"""
from __future__ import annotations

from typing import Any

from torch import nn

from ..search_space.alphas import side_groups
from ..search_space.export import genotype_overrides, scene_genotype_cfg

__all__ = ['task_search_groups', 'task_genotype_cfg']


def task_search_groups(task: nn.Module,
                       scene: nn.Module | None = None) -> dict[str, list[nn.Parameter]]:
    """``scene_w``, ``scene_alpha``, ``task_w``, ``task_alpha`` of a task model.

    Args:
        task: an mmdet detector or mmseg segmentor with searchable units.
        scene: the scene module; default the task's ``data_preprocessor`` (a scene
            preprocessor holds the scene module; mmdet's plain one has no parameters).

    The groups are disjoint and cover every trainable parameter of the task model; the
    format is the one of ``search_groups()`` (:class:`SearchOptimWrapperConstructor`).
    """
    if scene is None:
        scene = getattr(task, 'data_preprocessor', None)
    return side_groups(scene, task)


def task_genotype_cfg(task: nn.Module) -> dict[str, Any]:
    """The arg-max genotypes of a searchable task model as config overrides (``model=...``).

    Its units under the keys their modules declare
    (:func:`~mmruas.search_space.genotype_overrides`, e.g. ``neck.genotype``,
    ``bbox_head.reg_genotype``, ``decode_head.aspp_genotype``); the searchable cells of a
    scene module in the data preprocessor as ``data_preprocessor.scene.iem.genotype`` /
    ``...nrm.genotype`` (:func:`~mmruas.search_space.scene_genotype_cfg`: one genotype per
    part).
    """
    scene = getattr(getattr(task, 'data_preprocessor', None), 'scene', None)
    scene = scene if isinstance(scene, nn.Module) else None
    cfg = genotype_overrides(task, exclude=scene)
    if scene is not None:
        scene_cfg = scene_genotype_cfg(scene)
        if scene_cfg:
            cfg['data_preprocessor'] = dict(scene=scene_cfg)
    return cfg

