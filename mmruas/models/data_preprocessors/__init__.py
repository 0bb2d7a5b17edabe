"""Data preprocessors of the mmruas models."""
from .enhance_preprocessor import EnhanceDataPreprocessor

__all__ = ['EnhanceDataPreprocessor']
