"""Every config under configs/ resolves, to what it resolved to when it was last checked.

Each config (not ``configs/_base_``) is parsed with mmengine (``Config.fromfile``, no custom
imports: resolution needs none) and turned into a canonical JSON text — keys sorted, tuples
kept apart from lists, floats by ``repr``, absolute paths inside the repository made relative
to it (``{{fileDirname}}`` paths therefore compare equal wherever the checkout lies). Its
SHA-256 must match ``tests/data/config_fingerprints.json``; the invariants below say in
numbers what the fingerprints protect (depths, schedules, the shared scene and search hook).

A config changed on purpose: look at the resolved config with ``--show`` first, then regenerate
  python tests/integration/configs/test_configs_resolve.py --show CONFIG  # resolved, canonical
  python tests/integration/configs/test_configs_resolve.py --regenerate   # new fingerprints
and commit the JSON file with the config.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import os.path as osp
import sys
import tempfile
from pathlib import Path

import pytest
from mmengine.config import Config

from tests.helpers import REPO

CONFIGS = REPO / 'configs'
FINGERPRINTS = REPO / 'tests' / 'data' / 'config_fingerprints.json'


def config_paths() -> list[str]:
    """Repository-relative paths of every config outside ``configs/_base_``."""
    paths = []
    for root, dirs, files in os.walk(CONFIGS):
        dirs[:] = sorted(d for d in dirs if d != '_base_')
        paths += [osp.relpath(osp.join(root, f), REPO) for f in sorted(files)
                  if f.endswith('.py')]
    return sorted(paths)


def canonical(value):
    """A JSON-able value that says everything the resolved config says, and no more."""
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return {'__tuple__': [canonical(v) for v in value]}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str) and osp.isabs(value):
        path = osp.normpath(value)
        if path == str(REPO) or path.startswith(str(REPO) + os.sep):
            return osp.relpath(path, REPO)
    return value


def resolve(rel: str) -> Config:
    return Config.fromfile(str(REPO / rel), import_custom_modules=False)


def canonical_text(rel: str) -> str:
    return json.dumps(canonical(resolve(rel).to_dict()), sort_keys=True, ensure_ascii=False,
                      indent=1)


def fingerprint(rel: str) -> str:
    return hashlib.sha256(canonical_text(rel).encode()).hexdigest()


def write_fingerprints() -> None:
    """Rewrite the fingerprint file atomically (temp file in the same folder + replace)."""
    table = {rel: fingerprint(rel) for rel in config_paths()}
    fd, tmp = tempfile.mkstemp(dir=FINGERPRINTS.parent, suffix='.tmp')
    with os.fdopen(fd, 'w') as f:
        json.dump(table, f, indent=1, sort_keys=True)
        f.write('\n')
    os.replace(tmp, FINGERPRINTS)


# ---------------------------------------------------------------------------- fingerprints
def test_every_config_has_a_fingerprint():
    assert sorted(json.loads(FINGERPRINTS.read_text())) == config_paths()


@pytest.mark.parametrize('rel', config_paths())
def test_config_resolves_unchanged(rel):
    expected = json.loads(FINGERPRINTS.read_text())[rel]
    assert fingerprint(rel) == expected, (
        f'{rel} resolves differently; if on purpose, see this file\'s docstring')


def test_canonical_form_keeps_tuples_and_relativises_repo_paths():
    value = canonical(dict(a=(1, 2), b=[1, 2], c=0.1, d=str(REPO / 'configs' / 'x' / '..'),
                           e='/elsewhere/x.py'))
    assert value == {'a': {'__tuple__': [1, 2]}, 'b': [1, 2], 'c': '0.1', 'd': 'configs',
                     'e': '/elsewhere/x.py'}


# ---------------------------------------------------------------------------- invariants
def test_design_card_paths_are_the_stage2_configs():
    for rel, pp in (('configs/ruas_ssd_exdark.py', 'RUASDetDataPreprocessor'),
                    ('configs/ruas_dsfd_darkface.py', 'RUASDetDataPreprocessor'),
                    ('configs/ruas_deeplabv3plus_acdc.py', 'RUASSegDataPreprocessor')):
        cfg = resolve(rel)
        assert cfg.model.data_preprocessor.type == pp
        # the one scene of _base_/models/ruas_s_scene.py, as stage 1 trains it
        stage1 = resolve(rel.replace('.py', '/' + Path(rel).stem + '_stage1.py'))
        assert cfg.model.data_preprocessor.scene == stage1.model.scene == dict(
            type='RUAS', variant='RUAS_S',
            iem=dict(num_stages=3, gamma=0.5, width=3, genotype='DET_SCENE_DARKFACE'))


@pytest.mark.parametrize('rel,depth', [
    ('configs/ruas_ssd_exdark/ruas_ssd_exdark_r50.py', 50),
    ('configs/ruas_ssd_exdark/ruas_ssd_exdark_r101.py', 101),
    ('configs/ruas_ssd_exdark/ruas_ssd_exdark_r152.py', 152),
    ('configs/ruas_deeplabv3plus_acdc/ruas_deeplabv3plus_acdc.py', 101),
    ('configs/ruas_deeplabv3plus_acdc/ruas_deeplabv3plus_acdc_r50.py', 50),
    ('configs/ruas_deeplabv3plus_acdc/ruas_deeplabv3plus_acdc_search.py', 101),
    ('configs/bgl/bgl_transfer_deeplabv3plus_acdc.py', 101),
])
def test_backbone_depths_and_weight_files(rel, depth):
    """SSD: ImageNet ResNet weights for the backbone; DeepLab-v3+: a trained Cityscapes
    DeepLab-v3+ of that depth for the whole segmentor (RUAS-TPAMI §7.2's start)."""
    cfg = resolve(rel)
    model = cfg.model.get('task', cfg.model)
    assert model.backbone.depth == depth
    if 'ssd' in rel:
        assert f'resnet{depth}' in model.backbone.init_cfg.checkpoint
    else:
        assert model.pretrained is None
        assert f'deeplabv3plus_r{depth}-d8' in model.init_cfg.checkpoint
        assert 'cityscapes' in model.init_cfg.checkpoint


def test_sgd_stage2_schedules():
    ssd, dsfd, seg = (resolve(f'configs/{n}.py') for n in
                      ('ruas_ssd_exdark', 'ruas_dsfd_darkface', 'ruas_deeplabv3plus_acdc'))
    for cfg, lr in ((ssd, 1e-3), (dsfd, 1e-3), (seg, 0.01)):
        assert cfg.optim_wrapper.optimizer == dict(type='SGD', lr=lr, momentum=0.9,
                                                   weight_decay=5e-4)
        assert cfg.optim_wrapper.paramwise_cfg.custom_keys == {
            'data_preprocessor.scene': dict(lr_mult=0.1)}
    for cfg, epochs, warmup, steps, batch in ((ssd, 120, 500, [80, 110], 8),
                                              (dsfd, 60, 1000, [40, 52], 4)):
        assert cfg.optim_wrapper.clip_grad == dict(max_norm=35, norm_type=2)
        assert cfg.train_cfg == dict(type='EpochBasedTrainLoop', max_epochs=epochs,
                                     val_interval=10)
        warm, multi = cfg.param_scheduler
        assert (warm.type, warm.start_factor, warm.end) == ('LinearLR', 0.001, warmup)
        assert (multi.type, multi.milestones, multi.end, multi.gamma) == (
            'MultiStepLR', steps, epochs, 0.1)
        assert cfg.auto_scale_lr == dict(enable=False, base_batch_size=batch)
        assert [h.type for h in cfg.custom_hooks] == ['NumClassCheckHook',
                                                      'CheckInvalidLossHook']
    assert seg.optim_wrapper.clip_grad is None
    assert seg.param_scheduler == [dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0,
                                        end=20000, by_epoch=False)]
    assert seg.train_cfg == dict(type='IterBasedTrainLoop', max_iters=20000, val_interval=2000)


STAGE1 = {'configs/ruas_ssd_exdark/ruas_ssd_exdark_stage1.py': 4000,
          'configs/ruas_dsfd_darkface/ruas_dsfd_darkface_stage1.py': 6000,
          'configs/ruas_deeplabv3plus_acdc/ruas_deeplabv3plus_acdc_stage1.py': 4000,
          'configs/demo/demo_det_stage1.py': 200}


@pytest.mark.parametrize('rel', sorted(STAGE1))
def test_stage1_is_the_papers_enhancement_optimiser(rel):
    cfg = resolve(rel)
    assert cfg.optim_wrapper == resolve('configs/ruas_enhance/ruas_a_released.py').optim_wrapper
    assert cfg.optim_wrapper.optimizer == dict(type='Adam', lr=3e-4, betas=(0.9, 0.999),
                                               weight_decay=1e-3)
    assert cfg.train_cfg == dict(type='IterBasedTrainLoop', max_iters=STAGE1[rel])
    assert cfg.val_dataloader is None and cfg.test_cfg is None
    assert cfg.model.type == 'RUASEnhancer' and cfg.model.scene_loss.type == 'SceneLoss'
    if 'demo' not in rel:
        assert cfg.param_scheduler == [dict(type='CosineAnnealingLR', T_max=STAGE1[rel],
                                            eta_min=1e-5, by_epoch=False)]


@pytest.mark.parametrize('rel,base,n', [
    # the paper's random 5,200-image ExDark search set (RUAS-TPAMI §7.1)
    ('configs/ruas_ssd_exdark/ruas_ssd_exdark_search.py',
     'configs/ruas_ssd_exdark/ruas_ssd_exdark.py', 5200),
    ('configs/ruas_ssd_darkface/ruas_ssd_darkface_search.py',
     'configs/ruas_ssd_darkface/ruas_ssd_darkface.py', 5000),
    ('configs/ruas_dsfd_darkface/ruas_dsfd_darkface_search.py',
     'configs/ruas_dsfd_darkface/ruas_dsfd_darkface.py', 5000),
    ('configs/ruas_deeplabv3plus_acdc/ruas_deeplabv3plus_acdc_search.py',
     'configs/ruas_deeplabv3plus_acdc/ruas_deeplabv3plus_acdc.py', 400),
])
def test_task_searches_share_the_hook_and_point_at_their_task_config(rel, base, n):
    cfg = resolve(rel)
    (hook,) = cfg.custom_hooks
    batch = cfg.train_dataloader.batch_size
    per_epoch = ((n + 1) // 2 + batch - 1) // batch      # the training half at this batch
    assert hook == dict(type='CooperativeSearchHook', strategy='cooperative', alpha_tol=None,
                        beta=1.0, order=2, warmup_iters=0, val_split=True,
                        phase_iters=(per_epoch, per_epoch), retrain_base=hook.retrain_base)
    # {{fileDirname}}-relative: the task config, wherever the checkout lies
    assert osp.isabs(hook.retrain_base) and Path(hook.retrain_base).resolve() == REPO / base
    assert cfg.train_cfg.max_iters == 30 * per_epoch
    assert cfg.model.type == 'SceneTaskSearchModel' and cfg.model.tie_alphas
    assert cfg.model.task.data_preprocessor.scene.iem.genotype is None
    assert cfg.optim_wrapper.constructor == 'SearchOptimWrapperConstructor'


def test_enhancement_searches_retrain_the_authors_recipe():
    target = REPO / 'configs' / 'ruas_enhance' / 'lol5' / 'ruas_lol5_authors_recipe.py'
    for name in ('ruas_search_lol5', 'ruas_search_lol5_global', 'ruas_search_lol5_independent'):
        (hook,) = resolve(f'configs/ruas_enhance/search/{name}.py').custom_hooks
        assert Path(hook.retrain_base).resolve() == target


@pytest.mark.parametrize('rel', config_paths())
def test_retrain_base_is_a_config_of_this_checkout(rel):
    """A search's retrain_base is {{fileDirname}}-relative: absolute once resolved, an
    existing config of this checkout, independent of the working directory."""
    for hook in resolve(rel).get('custom_hooks') or []:
        if hook.type == 'CooperativeSearchHook':
            path = Path(hook.retrain_base)
            assert path.is_absolute() and path.is_file(), hook.retrain_base
            assert CONFIGS in path.resolve().parents and '_base_' not in path.parts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument('--regenerate', action='store_true', help='rewrite the fingerprints')
    group.add_argument('--show', metavar='CONFIG', help='print the canonical resolved config')
    args = parser.parse_args(argv)
    if args.regenerate:
        write_fingerprints()
        print(f'wrote {osp.relpath(FINGERPRINTS, REPO)} ({len(config_paths())} configs)')
    else:
        print(canonical_text(osp.relpath(osp.abspath(args.show), REPO)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
