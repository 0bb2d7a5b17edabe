"""``tools/train.py --amp`` is the AMP switch of every main config: the resolved config's
optimiser wrapper (each wrapper of a constructor's dict) becomes mmengine's AmpOptimWrapper
with a dynamic loss scale (checked on the config, without training: the wrapper itself
needs an accelerator; the CUDA runs are in tests/integration/configs/test_devices.py)."""
from __future__ import annotations

import pytest

from mmruas.utils.cli import ToolError, load_config
from tests.helpers import REPO
from tests.helpers.tools import load_tool

MAIN = ['configs/ruas_ssd_exdark.py', 'configs/ruas_ssd_darkface.py',
        'configs/ruas_dsfd_darkface.py', 'configs/ruas_deeplabv3plus_acdc.py',
        'configs/ruas_enhance/lol5/ruas_lol5_authors_recipe.py',
        'configs/ruas_enhance/search/ruas_search_lol5.py', 'configs/bgl/bgl_sid_tbgl.py']


def _train_tool():
    return load_tool('train.py')


def _wrappers(ow) -> list:
    if 'constructor' not in ow:
        return [ow]
    return [v for k, v in ow.items() if k != 'constructor' and isinstance(v, dict)
            and 'optimizer' in v]


@pytest.mark.parametrize('path', MAIN)
def test_amp_flag_gives_amp_optim_wrapper(path):
    cfg = load_config(str(REPO / path))
    before = [(w.get('type', 'OptimWrapper'), w.optimizer.type) for w in
              _wrappers(cfg.optim_wrapper)]
    _train_tool().use_amp(cfg)
    after = _wrappers(cfg.optim_wrapper)
    assert len(after) == len(before) >= 1
    assert [w.type for w in after] == ['AmpOptimWrapper'] * len(before)
    assert [w.loss_scale for w in after] == ['dynamic'] * len(before)
    assert [w.optimizer.type for w in after] == [b[1] for b in before]   # nothing else moved


def test_amp_flag_refuses_another_wrapper_type():
    cfg = load_config(str(REPO / MAIN[0]))
    cfg.optim_wrapper.type = 'ApexOptimWrapper'
    with pytest.raises(ToolError, match="--amp needs OptimWrapper, the config has "
                       "'ApexOptimWrapper'"):
        _train_tool().use_amp(cfg)
