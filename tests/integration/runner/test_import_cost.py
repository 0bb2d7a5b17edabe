"""``import mmruas`` loads the core only: mmdet's and mmseg's models, data sets and metrics
(and mmpretrain, through mmdet) stay unloaded until a config looks a type up in those
libraries' registries, which then import the adapters mmruas.det / mmruas.seg themselves."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.helpers import REPO

HEAVY = ('mmdet.models', 'mmdet.datasets', 'mmdet.evaluation', 'mmseg.models', 'mmseg.datasets',
         'mmseg.evaluation', 'mmpretrain', 'mmruas.det', 'mmruas.seg')


def run(code: str) -> dict:
    """Run ``code`` in a fresh interpreter; it prints one JSON line."""
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    proc = subprocess.run([sys.executable, '-c', code], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


LOADED = ('import json, sys\n'
          'def loaded():\n'
          f'    return sorted(m for m in {HEAVY!r} if m in sys.modules)\n')


def test_library_registry_imports_the_adapter() -> None:
    """The first look-up in mmdet's MODELS imports mmdet's models and then mmruas.det; the
    same for mmseg's DATASETS; the other library stays unloaded until used."""
    out = run(LOADED + 'import mmruas\n'
              'from mmdet.registry import MODELS\n'
              'cls = MODELS.get("RUASDetDataPreprocessor")\n'
              'after_det = loaded()\n'
              'from mmseg.registry import DATASETS\n'
              'ds = DATASETS.get("ACDCDataset")\n'
              'print(json.dumps(dict(cls=cls.__module__, after_det=after_det, ds=ds.__module__,'
              ' after_seg=loaded())))')
    assert out['cls'] == 'mmruas.det.data_preprocessor'
    assert 'mmdet.models' in out['after_det'] and 'mmruas.det' in out['after_det']
    assert not any(m.startswith(('mmseg.', 'mmruas.seg')) for m in out['after_det'])
    assert out['ds'] == 'mmruas.seg.datasets.acdc' and 'mmruas.seg' in out['after_seg']


def test_adapter_imported_at_once_when_library_already_searched() -> None:
    """A registry that has already imported its locations reads no new one: the adapter is
    imported by ``import mmruas`` then (e.g. mmdet's models built before mmruas came)."""
    out = run(LOADED + 'from mmdet.registry import MODELS\n'
              'MODELS.get("DetDataPreprocessor")\n'
              'import mmruas\n'
              'print(json.dumps(dict(loaded=loaded(),'
              ' found="RUASDetDataPreprocessor" in MODELS.module_dict)))')
    assert out['found'] and 'mmruas.det' in out['loaded'] and 'mmruas.seg' not in out['loaded']


def test_import_mmruas_leaves_mmdet_and_mmseg_models_unloaded() -> None:
    """... while the detection / segmentation names stay reachable at their 0.1 places
    for one release, with a DeprecationWarning (mmruas.deprecated)."""
    out = run(LOADED + 'import warnings\n'
              'import mmruas\n'
              'import mmruas.models as m, mmruas.datasets, mmruas.evaluation, mmruas.bgl\n'
              'before = loaded()\n'
              'with warnings.catch_warnings(record=True) as caught:\n'
              '    warnings.simplefilter("always")\n'
              '    from mmruas.models import RUASDetDataPreprocessor\n'
              '    from mmruas.datasets import EXDARK_CLASSES\n'
              'from mmruas.det import RUASDetDataPreprocessor as direct\n'
              'try:\n'
              '    m.NoSuchThing\n'
              '    missing = "no error"\n'
              'except AttributeError as exc:\n'
              '    missing = str(exc)\n'
              'print(json.dumps(dict(before=before, warned=sorted({str(w.message) for w in caught'
              ' if str(w.message).startswith("mmruas.")}),'
              ' same=RUASDetDataPreprocessor is direct, n=len(EXDARK_CLASSES),'
              ' missing=missing)))')
    assert out['before'] == []
    assert out['same'] and out['n'] == 12
    assert out['warned'] == [
        'mmruas.datasets.EXDARK_CLASSES moved to mmruas.det.datasets.EXDARK_CLASSES; '
        'the old name goes in mmruas 0.3',
        'mmruas.models.RUASDetDataPreprocessor moved to mmruas.det.RUASDetDataPreprocessor; '
        'the old name goes in mmruas 0.3']
    assert out['missing'] == "module 'mmruas.models' has no attribute 'NoSuchThing'"
