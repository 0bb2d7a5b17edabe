"""Task necks registered in mmdet's registry (searchable SSD extras)."""
from .search_ssd_neck import EdgeConvModule, SearchSSDNeck

__all__ = ['SearchSSDNeck', 'EdgeConvModule']
from .search_fem import SearchFEMNeck  # noqa: E402

__all__ += ['SearchFEMNeck']
