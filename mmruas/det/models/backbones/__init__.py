"""Task backbones registered in mmdet's registry (VGG-16 of S3FD / DSFD)."""
from .dsfd_vgg import DSFDVGG

__all__ = ['DSFDVGG']
