"""SceneTaskDistributedDataParallel on one gloo rank: the model's own losses; mmengine's stock
wrapper gives a one-line error."""
from __future__ import annotations

import pytest
import torch

import mmruas  # noqa: F401  (registers RUASDetDataPreprocessor, SceneTaskModel)
from mmruas.models import SceneTaskModel
from tests.helpers.det import child_config, det_batch

torch.set_num_threads(1)
pytestmark = pytest.mark.usefixtures('mmdet_scope')   # as a Runner of an mmdet config sets it


def test_scene_task_ddp_wrapper_asks_for_the_scene_outputs(tmp_path) -> None:
    """Under DDP (one gloo rank here) SceneTaskDistributedDataParallel gives the model's own
    train_step losses; mmengine's stock wrapper cannot (it never asks for scene outputs)."""
    import torch.distributed as dist
    from mmengine.model.wrappers import MMDistributedDataParallel
    from mmengine.optim import OptimWrapper

    from mmruas.models.scene_task_model import SceneTaskDistributedDataParallel

    torch.manual_seed(0)
    cfg = child_config(tmp_path, 'retinanet/retinanet_r50_fpn_1x_coco.py',
                       dict(type='RUAS', variant='RUAS_S'))
    model = SceneTaskModel(task=cfg.model, lam=0.5)
    batch = det_batch([(64, 64), (64, 64)])
    own = model.train_step(batch, OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.0)))
    dist.init_process_group('gloo', init_method=f'file://{tmp_path / "store"}', rank=0,
                            world_size=1)
    try:
        ddp = SceneTaskDistributedDataParallel(module=model)
        wrapped = ddp.train_step(batch, OptimWrapper(torch.optim.SGD(ddp.parameters(), lr=0.0)))
        for key in ('loss_scene', 'loss_cls', 'loss_bbox'):
            assert float(wrapped[key]) == pytest.approx(float(own[key]), rel=1e-6), key
        stock = MMDistributedDataParallel(module=model)
        with pytest.raises(RuntimeError, match='SceneTaskDistributedDataParallel'):
            stock.train_step(batch, OptimWrapper(torch.optim.SGD(ddp.parameters(), lr=0.0)))
    finally:
        dist.destroy_process_group()


