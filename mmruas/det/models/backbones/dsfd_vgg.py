"""VGG-16 of S3FD / DSFD (Zhang et al. 2017; Li et al., CVPR 2019), docs/method.md#downstream-tasks.

mmdet's ``SSDVGG`` is the VGG-16 of SSD: its ``pool5`` is a 3×3 stride-1 pooling, so
``fc7`` keeps stride 16. S3FD and DSFD use a 2×2 stride-2 ``pool5`` instead, so that the
four VGG sources sit at strides 4, 8, 16 and 32: ``conv3_3`` (256 channels), ``conv4_3``
(512), ``conv5_3`` (512) and ``fc7`` (1024; ``conv6`` 3×3 dilation 6, ``conv7`` 1×1). The
two extra stages (strides 64 and 128) and the L2Norm of the first three sources live in
the neck (:class:`~mmruas.det.models.necks.SearchFEMNeck`), as SSD's do in mmdet.

The layer indices are ``SSDVGG``'s (``features.<i>``), so mmdet's ImageNet VGG-16 file
(``vgg16_caffe``) loads unchanged through ``init_cfg=dict(type='Pretrained', ...)``.
"""
from __future__ import annotations

from mmdet.models.backbones import SSDVGG
from mmdet.registry import MODELS
from torch import nn

__all__ = ['DSFDVGG']

#: ``features`` index of the ReLU after conv3_3, conv4_3, conv5_3 and fc7 (conv7)
DSFD_SOURCES = (15, 22, 29, 34)
_POOL5 = 30


@MODELS.register_module()
class DSFDVGG(SSDVGG):
    """Args:
        out_feature_indices: ``features`` indices returned (default conv3_3, conv4_3,
            conv5_3, fc7: strides 4, 8, 16, 32).
        init_cfg: e.g. ``dict(type='Pretrained', checkpoint='/local/vgg16_caffe.pth')``.
        **kwargs: other ``SSDVGG`` arguments (``ceil_mode`` etc.; depth is 16).
    """

    def __init__(self, out_feature_indices: tuple[int, ...] = DSFD_SOURCES,
                 init_cfg: dict | list | None = None, **kwargs) -> None:
        kwargs.setdefault('depth', 16)
        if kwargs['depth'] != 16:
            raise ValueError(f'DSFDVGG is VGG-16, got depth {kwargs["depth"]}')
        if kwargs.get('l2_norm_scale') or kwargs.get('input_size'):
            raise ValueError('DSFDVGG: L2Norm and extras belong to the neck (SearchFEMNeck)')
        super().__init__(out_feature_indices=tuple(out_feature_indices), init_cfg=init_cfg,
                         **kwargs)
        # S3FD / DSFD pool5: 2×2, stride 2 (SSD's is 3×3, stride 1); no weights change
        self.features[_POOL5] = nn.MaxPool2d(kernel_size=2, stride=2,
                                             ceil_mode=kwargs.get('ceil_mode', True))
