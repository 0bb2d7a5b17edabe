"""Builders shared by the tests, each defined once; test modules import from here (or use
conftest fixtures), never from one another.

- ``data``: tiny data-set trees in their distributed layouts (DARK FACE, ACDC, SID, ExDark,
  LOL-v2, MIT-Adobe FiveK) and a tiny video.
- ``models``: tiny models and checkpoints (the released enhancer's config, the BGL block).
- ``det`` / ``seg``: the tiny DSFD-style detector and the tiny DeepLab-v3+ segmentor configs.
- ``search``: the enhancement-search runs, batches and optimiser wrappers, and the
  hypergradient formulas written out.
- ``tools``: running and loading ``tools/`` scripts (``run_tool``, ``load_tool``, ``run``,
  ``one_error``), malicious pickles, ``digest`` and ``free_port``.
"""
from __future__ import annotations

import os
from pathlib import Path

#: the repository root
REPO = Path(__file__).resolve().parents[2]
#: the repository root as a string (for ``os.path`` code)
REPO_DIR = str(REPO)
#: the released RUAS reference data (weights, LOL images, the released code's outputs):
#: ``MMRUAS_REFERENCE``, else ../shared/reference/ruas-official beside the repository
REFERENCE = os.environ.get('MMRUAS_REFERENCE') or os.path.normpath(
    REPO / '..' / 'shared' / 'reference' / 'ruas-official')
