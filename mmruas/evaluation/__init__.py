"""Metrics: full-reference enhancement metrics on 8-bit RGB and BRISQUE, loaded with the
package; the papers' detection / segmentation tables (mmdet's VOC mAP, mmseg's IoU) load
on first use (:mod:`mmruas.det` and :mod:`mmruas.seg` register them)."""
from ..registry import lazy_exports
from .brisque import BRISQUE, brisque_score
from .metrics import LPIPS, PSNR, SSIM, LPIPSNet, psnr, quantize_8bit, ssim

__all__ = ['PSNR', 'SSIM', 'LPIPS', 'LPIPSNet', 'psnr', 'ssim', 'quantize_8bit', 'BRISQUE',
           'brisque_score']

__getattr__, __dir__ = lazy_exports(__name__, {
    'ExDarkVOCMetric': '.voc_table', 'format_ap_table': '.voc_table',
    'SegTableIoUMetric': '.seg_table',
})
