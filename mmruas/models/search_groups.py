"""Parameter groups and genotype config of a searchable detector (METHOD.md §3-4).

In the cooperative search of a detector the *scene* side is the scene module in front of
the detector (its data preprocessor) and the *task* side is the detector itself: ω_t are
the backbone, neck and head weights (the backbone's architecture is fixed, its weights
train), α_t the ``arch_alpha`` of the searchable neck extras and head convs
(:class:`SearchSSDNeck`, :class:`SearchSSDHead`). The search step itself is
:class:`~mmruas.models.SceneTaskSearchModel`'s.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from torch import nn

from ..search.search_model import scene_genotype_cfg
from ..search_space.genotype import Genotype, derive_genotypes
from ..search_space.mixed_op import is_arch_param

__all__ = ['split_arch_params', 'detector_search_groups', 'genotypes_to_cfg',
           'detector_genotype_cfg']


def split_arch_params(module: nn.Module | None,
                      skip: set[int] | None = None) -> tuple[list[nn.Parameter],
                                                             list[nn.Parameter]]:
    """``(α, ω)``: trainable parameters of ``module`` split by :func:`is_arch_param`.

    ``skip`` holds ids of parameters to leave out (e.g. those of a nested scene module).
    """
    alphas: list[nn.Parameter] = []
    weights: list[nn.Parameter] = []
    if module is None:
        return alphas, weights
    skip = skip or set()
    for name, p in module.named_parameters():
        if p.requires_grad and id(p) not in skip:
            (alphas if is_arch_param(name) else weights).append(p)
    return alphas, weights


def detector_search_groups(detector: nn.Module,
                           scene: nn.Module | None = None) -> dict[str, list[nn.Parameter]]:
    """``scene_w``, ``scene_alpha``, ``task_w``, ``task_alpha`` of a detector.

    Args:
        detector: an mmdet detector (e.g. SSD with :class:`SearchSSDNeck` /
            :class:`SearchSSDHead`).
        scene: the scene module; default the detector's ``data_preprocessor`` (a scene
            preprocessor holds the scene module; mmdet's plain one has no parameters).

    The groups are disjoint and cover every trainable parameter of the detector; the
    format is the one of ``search_groups()`` (:class:`SearchOptimWrapperConstructor`).
    """
    if scene is None:
        scene = getattr(detector, 'data_preprocessor', None)
    scene_alpha, scene_w = split_arch_params(scene)
    skip = {id(p) for p in scene.parameters()} if scene is not None else set()
    task_alpha, task_w = split_arch_params(detector, skip)
    return dict(scene_w=scene_w, scene_alpha=scene_alpha, task_w=task_w, task_alpha=task_alpha)


def genotypes_to_cfg(genotypes: Mapping[str, Any]) -> dict[str, Any]:
    """Nested config overrides for derived genotypes (names as :func:`derive_genotypes` gives).

    A unit named ``a.b.<x>_convs`` or ``a.b.<x>_modules`` (a head's ``reg_convs`` /
    ``cls_convs``, the ASPP head's ``aspp_modules``) sets ``a.b.<x>_genotype``; any other
    unit ``a.b`` (e.g. ``neck``) sets ``a.b.genotype``.
    E.g. ``{'neck': ..., 'bbox_head.reg_convs': ...}`` ->
    ``dict(neck=dict(genotype=[...]), bbox_head=dict(reg_genotype=[...]))``.
    """
    cfg: dict[str, Any] = {}
    for name, geno in genotypes.items():
        parts = name.split('.') if name else []
        suffix = next((x for x in ('_convs', '_modules') if parts and parts[-1].endswith(x)),
                      None)
        if suffix:
            parts[-1] = parts[-1][:-len(suffix)] + '_genotype'
        else:
            parts.append('genotype')
        node = cfg
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = Genotype.coerce(geno).to_list()
    return cfg


def detector_genotype_cfg(detector: nn.Module) -> dict[str, Any]:
    """The arg-max genotypes of a searchable detector as config overrides (``model=...``).

    Neck and head units as :func:`genotypes_to_cfg`; the searchable cells of a scene
    module in the data preprocessor as ``data_preprocessor.scene.iem.genotype`` /
    ``...nrm.genotype`` (:func:`~mmruas.search.scene_genotype_cfg`: one genotype per part).
    """
    genos = {n: g for n, g in derive_genotypes(detector).items()
             if not n.startswith('data_preprocessor.')}
    cfg = genotypes_to_cfg(genos)
    scene = getattr(getattr(detector, 'data_preprocessor', None), 'scene', None)
    if isinstance(scene, nn.Module):
        scene_cfg = scene_genotype_cfg(scene)
        if scene_cfg:
            cfg['data_preprocessor'] = dict(scene=scene_cfg)
    return cfg
