"""The enhancer's default objective (ℓs), the authors' per-part training recipe (IEM every
iteration, NRM every n-th with its own optimiser) and the NRM's N unrolled steps (eq. 3)."""
import copy
import glob
import os
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.structures import BaseDataElement

import mmruas  # noqa: F401  (registers everything)
from mmruas.losses import AuthorsIEMLoss, AuthorsNRMLoss, SceneLoss
from mmruas.registry import MODELS
from mmruas.scene import NRM
from tests.helpers import REPO_DIR as REPO


def _batch(seed=0, n=1, h=20, w=24):
    g = torch.Generator().manual_seed(seed)
    return {'inputs': [torch.randint(0, 70, (3, h, w), dtype=torch.uint8, generator=g)
                       for _ in range(n)],
            'data_samples': [BaseDataElement(metainfo=dict(max_value=255)) for _ in range(n)]}


def test_default_scene_loss_is_eq5():
    torch.manual_seed(0)
    model = MODELS.build(dict(type='RUASEnhancer', scene=dict(type='RUAS', variant='RUAS_S')))
    assert isinstance(model.scene_loss, SceneLoss)
    batch = model.data_preprocessor(_batch(), training=True)
    losses = model(**batch, mode='loss')
    y = batch['inputs']
    t = model.scene(y).ts[-1]
    assert losses['loss_iem'].item() == pytest.approx(SceneLoss()(t, y).item(), rel=1e-6)


def _recipe_model_and_optim():
    cfg = Config.fromfile(osp.join(REPO, 'configs/ruas_enhance/lol5/ruas_lol5_authors_recipe.py'))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    ow_cfg = copy.deepcopy(cfg.optim_wrapper)
    constructor = OPTIM_WRAPPER_CONSTRUCTORS.build(
        dict(type=ow_cfg.pop('constructor'), optim_wrapper_cfg=ow_cfg))
    return cfg, model, constructor(model)


def test_recipe_config_is_the_authors_script():
    cfg, model, optim = _recipe_model_and_optim()
    assert isinstance(model.scene_loss, AuthorsIEMLoss) and model.scene_loss.smoothness == 'code'
    assert isinstance(model.nrm_loss, AuthorsNRMLoss) and model.nrm_interval == 50
    assert set(optim.keys()) == {'iem', 'nrm'}
    iem, nrm = optim['iem'].optimizer, optim['nrm'].optimizer
    assert isinstance(iem, torch.optim.SGD) and isinstance(nrm, torch.optim.SGD)
    assert (iem.defaults['lr'], iem.defaults['momentum'], iem.defaults['weight_decay']) == \
        (0.015, 0.9, 3e-4)
    assert (nrm.defaults['lr'], nrm.defaults['momentum'], nrm.defaults['weight_decay']) == \
        (1e-3, 0.9, 3e-4)
    assert optim['iem'].clip_grad_kwargs['max_norm'] == 5.0
    assert {id(p) for p in model.scene.iem.parameters()} == {
        id(p) for g in iem.param_groups for p in g['params']}
    assert cfg.train_cfg.max_iters == 800 and cfg.train_dataloader.batch_size == 1
    crop = cfg.train_dataloader.dataset.pipeline[1]
    assert crop['crop_size'] == 320 and crop['offset_margin'] == 1


def test_recipe_step_iem_every_iteration_nrm_every_50th():
    """One train_step equals the script's update computed by hand: SGD on the IEM's
    clipped gradient of ½·mean((tᴷ−y)²) + S(tᴷ); on iterations 0, 50, … also SGD on the
    NRM's gradient of 1e-7·mean((x−uᴷ)²) + TV₂(x) with uᴷ from the updated IEM."""
    _, model, optim = _recipe_model_and_optim()
    hub = MessageHub.get_instance('test_recipe_step')
    data = _batch(seed=3)
    y = model.data_preprocessor(copy.deepcopy(data), True)['inputs']
    iem_params = list(model.scene.iem.parameters())
    nrm_params = list(model.scene.nrm.parameters())

    # by hand, on a copy: iteration 0 (IEM and NRM step; the momentum buffers are empty,
    # so SGD's step is lr·(g + wd·p))
    ref = copy.deepcopy(model)
    t = ref.scene.iem(y)[1][-1]
    loss = AuthorsIEMLoss()(t, y)      # checked against loops in test_losses.py
    grads = torch.autograd.grad(loss, list(ref.scene.iem.parameters()))
    norm = torch.sqrt(sum(g.pow(2).sum() for g in grads))
    scale = min(1.0, 5.0 / (float(norm) + 1e-6))
    with torch.no_grad():
        for p, g in zip(ref.scene.iem.parameters(), grads):
            p -= 0.015 * (g * scale + 3e-4 * p)
        u = ref.scene.iem(y)[0][-1]
    x = ref.scene.nrm(u)
    gn = torch.autograd.grad(AuthorsNRMLoss()(x, u), list(ref.scene.nrm.parameters()))
    gnorm = torch.sqrt(sum(g.pow(2).sum() for g in gn))
    nscale = min(1.0, 5.0 / (float(gnorm) + 1e-6))
    with torch.no_grad():
        for p, g in zip(ref.scene.nrm.parameters(), gn):
            p -= 1e-3 * (g * nscale + 3e-4 * p)

    hub.update_info('iter', 0)
    log = model.train_step(copy.deepcopy(data), optim)
    assert set(log) == {'loss', 'loss_iem', 'loss_nrm'}
    for p, q in zip(iem_params, ref.scene.iem.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-5, atol=1e-7)
    for p, q in zip(nrm_params, ref.scene.nrm.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-5, atol=1e-7)

    # iterations 1..49: the NRM does not move, the IEM does; 50: the NRM moves again
    nrm_before = [p.detach().clone() for p in nrm_params]
    for it in (1, 2, 49):
        iem_before = [p.detach().clone() for p in iem_params]
        hub.update_info('iter', it)
        log = model.train_step(_batch(seed=it), optim)
        assert set(log) == {'loss', 'loss_iem'}
        assert any(not torch.equal(a, b) for a, b in zip(iem_before, iem_params))
        assert all(torch.equal(a, b) for a, b in zip(nrm_before, nrm_params))
    hub.update_info('iter', 50)
    assert 'loss_nrm' in model.train_step(_batch(seed=50), optim)
    assert any(not torch.equal(a, b) for a, b in zip(nrm_before, nrm_params))


def test_optim_constructor_rejects_missing_or_unknown_parts():
    model = MODELS.build(dict(type='RUASEnhancer', scene=dict(type='RUAS', variant='RUAS')))
    sgd = dict(optimizer=dict(type='SGD', lr=0.1))
    build = OPTIM_WRAPPER_CONSTRUCTORS.get('EnhancerOptimWrapperConstructor')
    with pytest.raises(KeyError, match="no entry for the trainable part.*'nrm'"):
        build(dict(iem=sgd))(model)
    with pytest.raises(KeyError, match="'denoiser'.* not parts"):
        build(dict(iem=sgd, nrm=sgd, denoiser=sgd))(model)


def test_nrm_unrolls_n_steps_of_eq3_with_one_prior():
    torch.manual_seed(0)
    nrm1 = NRM()
    nrm3 = NRM(num_steps=3)
    nrm3.load_state_dict(nrm1.state_dict())      # same keys: N does not change the layout
    u = torch.rand(1, 3, 12, 14)
    x1 = u - nrm1.noise(u)
    x2 = u - nrm1.noise(x1)
    x3 = u - nrm1.noise(x2)
    torch.testing.assert_close(nrm1(u), x1)
    torch.testing.assert_close(nrm3(u), x3)
    assert not torch.allclose(x3, x1)
    with pytest.raises(ValueError, match='num_steps'):
        NRM(num_steps=0)


# the tasks' stage-1 configs (not their shared base, configs/_base_/ruas_s_stage1.py)
STAGE1 = sorted(p for p in glob.glob(osp.join(REPO, 'configs', '**', '*stage1*.py'),
                                     recursive=True)
                if '_base_' not in osp.relpath(p, REPO).split(os.sep))


@pytest.mark.parametrize('path', STAGE1, ids=[osp.basename(p) for p in STAGE1])
def test_every_hierarchical_stage1_trains_on_eq5(path):
    """RUAS-TPAMI §3.2: stage 1 trains the scene module alone on ℓs."""
    cfg = Config.fromfile(path)
    model = MODELS.build(cfg.model)
    assert type(model.scene_loss) is SceneLoss
    assert model.scene.variant == 'RUAS_S' and model.scene.nrm is None


def test_stage1_configs_found():
    # demo, ACDC, DSFD DARK FACE, SSD DARK FACE, SSD ExDark
    assert len(STAGE1) == 5
