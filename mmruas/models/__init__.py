"""mmruas models: the enhancer and the data preprocessors."""
from .data_preprocessors import *  # noqa: F401,F403
from .enhancer import RUASEnhancer
from .search_enhancer import RUASSearchEnhancer

__all__ = ['RUASEnhancer', 'RUASSearchEnhancer']

# searchable SSD neck / head (mmdet registry) and detector search groups (METHOD.md §3)
from .heads import SearchSSDHead  # noqa: E402
from .necks import SearchSSDNeck  # noqa: E402
from .search_groups import detector_genotype_cfg, detector_search_groups, genotypes_to_cfg  # noqa: E402

__all__ += ['SearchSSDNeck', 'SearchSSDHead', 'detector_search_groups', 'genotypes_to_cfg',
            'detector_genotype_cfg']

# the scene module in a task's data preprocessor, and eq. 5's λ·ℓs wrapper (METHOD.md §1)
from .scene_preprocessor import RUASDetDataPreprocessor, SceneDataPreprocessorMixin  # noqa: E402
from .scene_task_model import SceneTaskModel  # noqa: E402
from .seg_preprocessor import RUASSegDataPreprocessor  # noqa: E402

__all__ += ['RUASDetDataPreprocessor', 'RUASSegDataPreprocessor', 'SceneDataPreprocessorMixin',
            'SceneTaskModel']

# DeepLab-v3+ with a searchable ASPP (mmseg registry, METHOD.md §3)
from .decode_heads import SearchSepASPPHead  # noqa: E402

__all__ += ['SearchSepASPPHead']

# cooperative search of a scene preprocessor and a searchable detector (METHOD.md §4)
from .scene_task_search import SceneTaskSearchModel  # noqa: E402

__all__ += ['SceneTaskSearchModel']

# DSFD-style face detector parts: S3FD/DSFD VGG-16, FEM neck, dual-shot head (METHOD.md §5)
from .backbones import DSFDVGG  # noqa: E402
from .heads import DSFDHead  # noqa: E402
from .necks import SearchFEMNeck  # noqa: E402

__all__ += ['DSFDVGG', 'DSFDHead', 'SearchFEMNeck']
