"""Shared fixtures: the released reference data lives outside the repository."""
from __future__ import annotations

import os.path as osp

import pytest
import torch
from mmengine.registry import DefaultScope

from tests.helpers import REFERENCE
from tests.helpers.data import make_tiny_acdc

LOL_NAMES = ('00001', '00091', '00271', '00451', '00481')


@pytest.fixture(scope='session')
def reference_dir() -> str:
    """../shared/reference/ruas-official, or skip when this checkout has no references."""
    if not osp.isfile(osp.join(REFERENCE, 'weights', 'lol.pt')):
        pytest.skip(f'released RUAS reference data not found at {REFERENCE} '
                    '(weights/lol.pt and lol/ are needed for parity tests)')
    return REFERENCE


@pytest.fixture(params=['cpu', pytest.param('cuda', marks=pytest.mark.cuda)])
def device(request) -> str:
    """The device a test runs on: 'cpu' in the normal suite, 'cuda' under ``make test-cuda``
    (tests marked ``cuda``), so every CUDA test also runs its CPU twin."""
    if request.param == 'cuda' and not torch.cuda.is_available():
        pytest.skip('no CUDA device (run `make test-cuda` on a machine with one)')
    if request.param == 'cpu' and torch.cuda.is_available():
        pytest.skip('a CUDA device is present: the Runner would place the model on it; '
                    'the cuda twin of this test covers it')
    return request.param


@pytest.fixture(autouse=True)
def _no_default_scope():
    """Every test starts without an mmengine default scope.

    ``init_default_scope`` is process-global: without this, a test that builds from
    mmdet's registries would see the ``mmruas`` scope a previous test left behind (and
    vice versa), and the outcome would depend on the test order.
    """
    DefaultScope._instance_dict.clear()
    yield
    DefaultScope._instance_dict.clear()


@pytest.fixture
def one_thread():
    """Torch on one thread for the test (tiny convolutions: thread hand-offs cost far more
    than the work on a shared machine); the previous count is restored afterwards."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def mmdet_scope():
    """mmdet's scope, as a Runner of an mmdet config sets it (restored afterwards); a module
    asks for it with ``pytestmark = pytest.mark.usefixtures('mmdet_scope')``."""
    with DefaultScope.overwrite_default_scope('mmdet'):
        yield


@pytest.fixture(scope='module')
def acdc(tmp_path_factory) -> str:
    """A tiny ACDC tree (4 training, 2 validation images) for a test module."""
    root = str(tmp_path_factory.mktemp('acdc'))
    make_tiny_acdc(root, splits=(('train', 4), ('val', 2)))
    return root
