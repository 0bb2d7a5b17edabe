"""Decode heads registered in mmseg's registry (DeepLab-v3+ with a searchable ASPP)."""
from .search_aspp_head import ASPPMixedOp, SearchASPPModule, SearchSepASPPHead, aspp_op

__all__ = ['SearchSepASPPHead', 'SearchASPPModule', 'ASPPMixedOp', 'aspp_op']
