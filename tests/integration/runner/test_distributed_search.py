"""Two gloo ranks searching = one process with the global batch (dist_train.sh, second order)."""
import json
import sys

import pytest
import torch

from tests.helpers.search import LOL5_SEARCH_CFG as SEARCH_CFG  # noqa: F401  (_scope: an autouse fixture)
from tests.helpers.search import _images, _model


def _search_cfg_file(tmp_path, max_iters=4):
    """A config file inheriting the LOL search config, on 4 tiny images, no random crop."""
    img_dir = tmp_path / 'low'
    img_dir.mkdir(parents=True, exist_ok=True)
    _images(str(img_dir))
    path = tmp_path / 'search_tiny.py'
    path.write_text(
        f'_base_ = [{SEARCH_CFG!r}]\n'
        'randomness = dict(seed=0)\n'
        f"train_dataloader = dict(dataset=dict(data_root={str(img_dir)!r}, pipeline=["
        "dict(type='LoadLowLightImage'), dict(type='PackEnhanceInputs')]))\n"
        f'train_cfg = dict(max_iters={max_iters}, val_interval={max_iters + 1})\n'
        "default_hooks = dict(logger=dict(interval=1), checkpoint=dict("
        f"interval={max_iters}, save_last=False))\n"
        "custom_hooks = [dict(type='CooperativeSearchHook', strategy='cooperative', "
        "phase_iters=(2, 1), order=2)]\n"
        # SGD: Adam's first steps are ≈ lr·sign(g), which turns float32 summation-order
        # noise in near-zero α gradients into ±lr differences; SGD keeps them at rounding
        "_sgd = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.05, momentum=0.9, "
        "weight_decay=1e-3))\n"
        "optim_wrapper = dict(_delete_=True, constructor='SearchOptimWrapperConstructor', "
        "scene_w=_sgd, task_w=_sgd, scene_alpha=_sgd, task_alpha=_sgd)\n")
    return str(path)



@pytest.mark.distributed
@pytest.mark.skipif(torch.cuda.is_available(), reason='tests the CPU (gloo) path')
def test_distributed_search_equals_single_process_global_batch(tmp_path):
    """2 gloo ranks × batch 1 = 1 process × batch 2 (second order): α identical on the ranks."""
    from tests.helpers.tools import free_port, ok, run
    cfg = _search_cfg_file(tmp_path)
    proc = ok(run('dist_train.sh', cfg, '2', '--work-dir', tmp_path / 'dist',
                  env=dict(PYTHON=sys.executable, PORT=str(free_port()), OMP_NUM_THREADS='1')))
    log = proc.stdout + proc.stderr
    assert 'GPU number: 2' in log                     # mmengine's name for the world size
    # the hook compares α across ranks at every phase switch and at the end (raises if not)
    assert log.count('α identical on 2 rank(s)') == 3   # switches after iters 2, 3 and the end
    ok(run('train.py', cfg, '--work-dir', tmp_path / 'single',
           '--cfg-options', 'train_dataloader.batch_size=2', env=dict(OMP_NUM_THREADS='1')))
    dist_sd = torch.load(tmp_path / 'dist' / 'iter_4.pth', weights_only=False)['state_dict']
    single = torch.load(tmp_path / 'single' / 'iter_4.pth', weights_only=False)['state_dict']
    init = _model().state_dict()
    moved = 0
    for key, value in single.items():
        torch.testing.assert_close(dist_sd[key], value, atol=1e-6, rtol=0, msg=key)
        moved += not torch.equal(value, init[key])
    assert moved > 0.9 * len(single)                  # the comparison is not of untouched weights
    json_d = json.load(open(tmp_path / 'dist' / 'search_split.json'))
    assert json_d == json.load(open(tmp_path / 'single' / 'search_split.json'))


