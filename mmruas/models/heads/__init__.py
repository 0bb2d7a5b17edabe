"""Task heads registered in mmdet's registry (searchable SSD head)."""
from .search_ssd_head import SearchSSDHead

__all__ = ['SearchSSDHead']
from .dsfd_head import DSFDHead  # noqa: E402

__all__ += ['DSFDHead']
