"""Metrics: full-reference enhancement metrics on 8-bit RGB (PSNR, SSIM, LPIPS, VIF, FSIM),
the no-reference BRISQUE and NIQE, and LOE against the input, loaded with the package;
the papers' detection / segmentation tables (mmdet's VOC mAP, mmseg's IoU with class
subsets) load on first use (:mod:`mmruas.det` and :mod:`mmruas.seg` register them);
docs/metrics.md lists them."""
from ..registry import lazy_exports
from .brisque import BRISQUE, brisque_score
from .loe import LOE, loe
from .metrics import LPIPS, PSNR, SSIM, LPIPSNet, psnr, quantize_8bit, ssim
from .niqe import NIQE, niqe
from .quality import FSIM, VIF, fsim, vif_p

__all__ = ['PSNR', 'SSIM', 'LPIPS', 'LPIPSNet', 'psnr', 'ssim', 'quantize_8bit', 'BRISQUE',
           'brisque_score', 'VIF', 'FSIM', 'vif_p', 'fsim', 'NIQE', 'niqe', 'LOE', 'loe']

__getattr__, __dir__ = lazy_exports(__name__, {
    'ExDarkVOCMetric': '.voc_table', 'format_ap_table': '.voc_table',
    'SegTableIoUMetric': '.seg_table', 'TPAMI_TABLE_XI_CLASSES': '.seg_table',
    'BGL_TABLE2_CLASSES': '.seg_table',
})
