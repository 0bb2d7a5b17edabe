"""The mmdet models of mmruas: searchable SSD neck and head, the DSFD-style VGG, FEM and
head, and the stock SSD head that predicts on mmdet 3.3.0."""
from .backbones import DSFDVGG
from .heads import DSFDHead, SearchSSDHead, SoftmaxSSDHead
from .necks import EdgeConvModule, SearchFEMNeck, SearchSSDNeck

__all__ = ['DSFDVGG', 'DSFDHead', 'SearchSSDHead', 'SoftmaxSSDHead', 'EdgeConvModule',
           'SearchFEMNeck', 'SearchSSDNeck']
