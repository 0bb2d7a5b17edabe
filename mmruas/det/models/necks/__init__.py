"""Detection necks registered in mmdet's registry: the searchable SSD extras and the
searchable DSFD feature-enhance module."""
from .search_fem import SearchFEMNeck
from .search_ssd_neck import EdgeConvModule, SearchSSDNeck

__all__ = ['SearchSSDNeck', 'EdgeConvModule', 'SearchFEMNeck']
