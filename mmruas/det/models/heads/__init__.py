"""Detection heads registered in mmdet's registry: the searchable SSD head, the DSFD-style
head and the stock SSD head that predicts on mmdet 3.3.0."""
from .dsfd_head import DSFDHead
from .search_ssd_head import SearchSSDHead
from .softmax_ssd_head import SoftmaxSSDHead

__all__ = ['SearchSSDHead', 'DSFDHead', 'SoftmaxSSDHead']
