"""DeepLab-v3+ with a searchable feature conversion (RUAS-TPAMI §4.1/§7, docs/method.md#task-edges).

The feature conversion between DeepLab-v3+'s encoder and decoder is its ASPP: parallel
convolutions of the encoder's last map (a 1×1 and three atrous 3×3, rates 6/12/18 at output
stride 16), concatenated with an image-pooling branch and fused. RUAS searches that part:
each ASPP convolution becomes an edge over the high-level task set of Table 1
({1-C, 3-C, 5-C, 7-C, 3-2-DC, 5-2-DC, 7-2-DC, 3-6-DC, 3-12-DC, 3-18-DC}; the last three are
ASPP's own rates), a softmax(α)-weighted sum while searching and the arg-max op once fixed.

Every op keeps DeepLab-v3+'s form of an ASPP branch (mmseg's
``DepthwiseSeparableASPPModule``): a 1×1 op is a ``ConvModule`` (conv, norm, act); a k×k op
is a ``DepthwiseSeparableConvModule`` (depthwise k×k with dilation d, then pointwise, each
with norm and act), 'same' padding ``d·(k−1)/2``. ``separable=False`` uses plain k×k
``ConvModule`` ops instead (ASPPHead-style; ~k²·C_in·C_out weights per op, heavy on a
2048-channel encoder). The image-pooling branch, the bottleneck and the decoder are
mmseg's ``DepthwiseSeparableASPPHead`` as they are; with the genotype
``SEG_ASPP_DEEPLABV3PLUS`` (1-C, 3-6-DC, 3-12-DC, 3-18-DC) the head *is* DeepLab-v3+ with
rates 6/12/18, with mmseg's checkpoint key layout.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from mmcv.cnn import ConvModule, DepthwiseSeparableConvModule
from mmseg.models.decode_heads import DepthwiseSeparableASPPHead
from mmseg.registry import MODELS
from torch import nn

from ....search_space.genotype import Genotype
from ....search_space.mixed_op import MixedOp
from ....search_space.operations import TASK_OPS
from ....search_space.task_edges import coerce_genotype, conv_geometry
from ....search_space.unit import GenotypeConfigurable, SearchableUnit

__all__ = ['aspp_op', 'ASPPMixedOp', 'SearchASPPModule', 'SearchSepASPPHead']


def aspp_op(name: str, in_channels: int, out_channels: int, separable: bool = True,
            conv_cfg: dict | None = None, norm_cfg: dict | None = None,
            act_cfg: dict | None = None) -> nn.Module:
    """One ASPP branch as the task operation ``name`` (module doc), 'same' padding."""
    k, d = conv_geometry(name)
    padding = d * (k - 1) // 2
    if k == 1 or not separable:
        return ConvModule(in_channels, out_channels, k, padding=padding, dilation=d,
                          conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
    return DepthwiseSeparableConvModule(in_channels, out_channels, k, padding=padding,
                                        dilation=d, norm_cfg=norm_cfg, act_cfg=act_cfg)


class ASPPMixedOp(MixedOp):
    """:class:`MixedOp` whose candidates are ASPP branches (:func:`aspp_op`)."""

    def __init__(self, candidates: Sequence[str], in_channels: int, out_channels: int,
                 alpha_init_std: float = 1e-3, **op_kwargs) -> None:
        def branch(name: str) -> nn.Module:
            return aspp_op(name, in_channels, out_channels, **op_kwargs)
        super().__init__(candidates, in_channels, out_channels, alpha_init_std=alpha_init_std,
                         op_factory=branch)


class SearchASPPModule(SearchableUnit, nn.ModuleList):
    """The ASPP convolutions as one searchable unit; ``forward`` gives their outputs."""

    def __init__(self, genotype: Genotype | None, num_convs: int, in_channels: int,
                 channels: int, candidates: Sequence[str] = TASK_OPS,
                 **op_kwargs) -> None:
        if genotype is None:
            edges = [ASPPMixedOp(candidates, in_channels, channels, **op_kwargs)
                     for _ in range(num_convs)]
        else:
            edges = [aspp_op(op, in_channels, channels, **op_kwargs) for op in genotype]
        nn.ModuleList.__init__(self, edges)
        self.searchable = genotype is None

    def edge_names(self) -> tuple[str, ...]:
        return tuple(str(i) for i in range(len(self)))

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        return [edge(x) for edge in self]


@MODELS.register_module()
class SearchSepASPPHead(GenotypeConfigurable, DepthwiseSeparableASPPHead):
    """DeepLab-v3+'s head (mmseg ``DepthwiseSeparableASPPHead``) with searchable ASPP convs.

    Args:
        aspp_genotype: ``None`` (searchable: ``num_aspp_convs`` mixed edges) or one task
            operation per ASPP conv (a list of names, or a released name such as
            ``'SEG_ASPP_DEEPLABV3PLUS'``).
        num_aspp_convs: number of ASPP convolutions when searchable (DeepLab-v3+: 4).
        separable: depthwise-separable k×k ops as DeepLab-v3+ (module doc).
        candidates: the search space (default the high-level task set, Table 1).
        **kwargs: ``DepthwiseSeparableASPPHead``'s arguments (``c1_in_channels``,
            ``c1_channels``, ``in_channels``, ``channels``, ``num_classes``, ``norm_cfg``,
            losses, ...). ``dilations`` is ignored: the genotype sets the ASPP convs.
    """

    def __init__(self, aspp_genotype: Sequence[str] | str | None = None,
                 num_aspp_convs: int = 4, separable: bool = True,
                 candidates: Sequence[str] = TASK_OPS, **kwargs) -> None:
        if aspp_genotype is not None:
            aspp_genotype = Genotype.coerce(aspp_genotype)
            num_aspp_convs = len(aspp_genotype)
        aspp_genotype = coerce_genotype(aspp_genotype, num_aspp_convs, 'SearchSepASPPHead')
        if num_aspp_convs < 1:
            raise ValueError(f'SearchSepASPPHead: num_aspp_convs must be >= 1, '
                             f'got {num_aspp_convs}')
        kwargs.pop('dilations', None)
        # the parent sizes its bottleneck for len(dilations) + 1 branches; 1×1 placeholders
        # (replaced below) keep its construction cheap
        super().__init__(dilations=(1,) * num_aspp_convs, **kwargs)
        self.aspp_modules = SearchASPPModule(
            aspp_genotype, num_aspp_convs, self.in_channels, self.channels, candidates,
            separable=separable, conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)
        self.separable = separable

    def genotype_units(self) -> dict[str, SearchableUnit]:
        """``aspp_genotype`` builds ``aspp_modules``."""
        return {'aspp_genotype': self.aspp_modules}
