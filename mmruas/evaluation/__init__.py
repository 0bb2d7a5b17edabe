"""Metrics: full-reference enhancement metrics on 8-bit RGB (PSNR, SSIM, LPIPS, VIF, FSIM),
the no-reference BRISQUE and NIQE, LOE against the input, the per-class table and results
over seeds; the detection and segmentation metrics are in :mod:`mmruas.det.evaluation` and
:mod:`mmruas.seg.evaluation`; docs/metrics.md lists them all."""
from ..deprecated import moved_getattr
from .ap_table import format_ap_table
from .brisque import BRISQUE, brisque_score
from .loe import LOE, loe
from .metrics import LPIPS, PSNR, SSIM, LPIPSNet, psnr, quantize_8bit, ssim
from .niqe import NIQE, niqe
from .quality import FSIM, VIF, fsim, vif_p
from .seed_stats import compare_orders, orders_markdown, summarise_seeds

__all__ = ['PSNR', 'SSIM', 'LPIPS', 'LPIPSNet', 'psnr', 'ssim', 'quantize_8bit', 'BRISQUE',
           'brisque_score', 'format_ap_table', 'VIF', 'FSIM', 'vif_p', 'fsim', 'NIQE', 'niqe',
           'LOE', 'loe', 'summarise_seeds', 'compare_orders', 'orders_markdown']

__getattr__ = moved_getattr(__name__)  # the detection / segmentation metrics' old names
