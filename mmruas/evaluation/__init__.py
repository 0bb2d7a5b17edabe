"""Full-reference enhancement metrics on 8-bit RGB."""
from .metrics import LPIPS, PSNR, SSIM, LPIPSNet, psnr, quantize_8bit, ssim

__all__ = ['PSNR', 'SSIM', 'LPIPS', 'LPIPSNet', 'psnr', 'ssim', 'quantize_8bit']
from .voc_table import ExDarkVOCMetric, format_ap_table  # noqa: E402

__all__ += ['ExDarkVOCMetric', 'format_ap_table']
from .seg_table import SegTableIoUMetric  # noqa: E402

__all__ += ['SegTableIoUMetric']
from .brisque import BRISQUE, brisque_score  # noqa: E402

__all__ += ['BRISQUE', 'brisque_score']
