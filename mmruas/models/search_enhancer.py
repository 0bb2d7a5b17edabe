"""Cooperative architecture search of the enhancement model (RUAS-TPAMI §4.2, Alg. 1).

The two sides of Algorithm 1 are the IEM cells (the scene side: ω_s, α_s, the scene loss
ℓs) and the NRM cells (the task side: ω_t, α_t, the NRM loss on the IEM output uᴷ), as in
RUAS-TPAMI's analysis of the search strategies (Table IV), whose "SM" and "TM" on
enhancement are the IEM and the NRM. Group names say which side (``scene_w``,
``task_alpha``, ...); attributes and logs say what it is (``iem_cells``, ``loss_iem``).
The phases of ``train_step`` are :class:`~mmruas.search.CooperativeSearchMixin`'s; this
model only says what the two sides, the scene pass and the NRM loss are.

``tie_alphas=True`` (default) makes all IEM stages' cells share one α per edge and all
NRM cells share one α per edge (the weights ω stay per cell): the search then has
exactly one IEM and one NRM genotype, which is what the enhancement configs can express
(``model.scene.iem.genotype`` and ``model.scene.nrm.genotype`` apply to every cell).
"""
from __future__ import annotations

from torch import Tensor, nn

from ..losses.ruas_losses import scene_loss_of_stages
from ..registry import MODELS
from ..search.cooperative import SEARCH_PHASES, CooperativeSearchMixin, ScenePass
from ..search_space.alphas import tie_unit_alphas
from ..search_space.cell import DistillationCell
from ..search_space.export import scene_genotype_cfg
from ..search_space.unit import searchable_units
from .enhancer import RUASEnhancer

__all__ = ['RUASSearchEnhancer', 'SEARCH_PHASES']


@MODELS.register_module()
class RUASSearchEnhancer(CooperativeSearchMixin, RUASEnhancer):
    """Args:
        scene: the RUAS module; default ``RUAS(variant='RUAS')`` with searchable IEM and
            NRM cells (``genotype=None``). Only the variant ``'RUAS'`` is searchable.
        tie_alphas: share α across the IEM cells and across the NRM cells (see module doc).
        beta: weight β of the task's validation loss in the scene phase (the hook's
            ``set_search_step`` may change it).
        order: 1 or 2, order of the hypergradients (likewise).
        r: finite-difference radius of the second-order hypergradient.
        **kwargs: as :class:`RUASEnhancer` (losses, data_preprocessor).
    """

    search_loss_names = ('loss_iem', 'loss_nrm')

    def __init__(self, scene: dict | None = None, tie_alphas: bool = True, beta: float = 1.0,
                 order: int = 2, r: float = 0.01, **kwargs) -> None:
        scene = scene or dict(type='RUAS', variant='RUAS', iem=dict(genotype=None),
                              nrm=dict(genotype=None))
        super().__init__(scene, **kwargs)
        if getattr(self.scene, 'variant', None) != 'RUAS':
            raise ValueError('the search model needs scene=RUAS(variant="RUAS") (IEM + NRM, '
                             f'no estimator), got {getattr(self.scene, "variant", None)!r}')
        self.iem_cells = searchable_units(self.scene.iem, DistillationCell)
        self.nrm_cells = searchable_units(self.scene.nrm, DistillationCell)
        if not self.iem_cells or not self.nrm_cells:
            raise ValueError('IEM and NRM need searchable cells: set iem=dict(genotype=None) '
                             'and nrm=dict(genotype=None)')
        if tie_alphas:
            tie_unit_alphas(self.iem_cells)
            tie_unit_alphas(self.nrm_cells)
        self.tie_alphas = tie_alphas
        self.init_search(beta, order, r)

    # ------------------------------------------------------------------ search model
    def search_sides(self) -> tuple[nn.Module, nn.Module]:
        """The IEM (the search's scene side) and the NRM (its task side)."""
        return self.scene.iem, self.scene.nrm

    def search_inputs(self, data: dict) -> Tensor:
        """The preprocessed low-light batch y."""
        return self.data_preprocessor(data, training=True)['inputs']

    def search_scene_pass(self, x: Tensor) -> ScenePass:
        """The IEM stages on ``x``: uᴷ for the NRM and their scene loss (default ℓs)."""
        us, ts, t_hats = self.scene.iem(x)
        return ScenePass(us[-1], scene_loss_of_stages(self.scene_loss, ts, t_hats, x))

    def search_task_loss(self, u: Tensor) -> Tensor:
        """NRM loss of the NRM on ``u``."""
        return self.nrm_loss(self.scene.nrm(u), u)

    def genotype_cfg(self) -> dict:
        """``dict(scene=dict(iem=dict(genotype=...), nrm=dict(genotype=...)))``."""
        return dict(scene=scene_genotype_cfg(self.scene))
