"""mmdet's SSD head, able to predict on mmdet 3.3.0 (docs/compatibility.md, "SSD predict").

mmdet 3.3.0's ``SSDHead`` computes its softmax loss inline and never builds a
``loss_cls`` module, but the post-processing it shares with every dense head
(``BaseDenseHead._predict_by_feat_single``) reads ``self.loss_cls``, so a stock SSD's
``predict`` ends in ``AttributeError: 'SSDHead' object has no attribute 'loss_cls'``.
This subclass declares ``loss_cls = None``: the check is then ``False`` and the head takes
its own ``use_sigmoid_cls=False`` branch (softmax without the background column), the
behaviour SSD was written for. A registered subclass rather than a patch of mmdet's class:
nobody else's ``SSDHead`` changes; a stock SSD config predicts with
``model.bbox_head.type='SoftmaxSSDHead'``.
"""
from __future__ import annotations

from mmdet.models.dense_heads.ssd_head import SSDHead
from mmdet.registry import MODELS

__all__ = ['SoftmaxSSDHead']


@MODELS.register_module()
class SoftmaxSSDHead(SSDHead):
    """``SSDHead`` (same arguments) whose prediction runs on mmdet 3.3.0."""

    #: read by ``BaseDenseHead._predict_by_feat_single``; SSD's loss is built in
    #: ``loss_by_feat_single`` (cross entropy + hard negative mining), not as a module.
    loss_cls = None
