"""The mmseg models of mmruas: DeepLab-v3+'s decode head with a searchable ASPP."""
from .decode_heads import ASPPMixedOp, SearchASPPModule, SearchSepASPPHead, aspp_op

__all__ = ['SearchSepASPPHead', 'SearchASPPModule', 'ASPPMixedOp', 'aspp_op']
