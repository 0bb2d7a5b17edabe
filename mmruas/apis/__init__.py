"""Python inference API (docs/deployment.md#python-api): ``init_enhancer`` and ``enhance``.

Detectors and segmentors whose data preprocessor is the RUAS scene go through mmdet's
``DetInferencer`` / mmseg's ``MMSegInferencer`` unchanged (``custom_imports=['mmruas']``).
"""
from .inference import enhance, init_enhancer, read_image
from .video import enhance_video, is_video

__all__ = ['init_enhancer', 'enhance', 'read_image', 'enhance_video', 'is_video']
