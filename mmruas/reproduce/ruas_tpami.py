"""RUAS-TPAMI Tables II–XI as experiments (§6 enhancement, §7 detection and segmentation)."""
from __future__ import annotations

from .protocol import Protocol

__all__ = ['RUAS_TPAMI_TABLES']

ENH = 'configs/ruas_enhance'
LOL, MIT = f'{ENH}/lolv2', f'{ENH}/mit5k'
SSD_DF, SSD_EX = 'configs/ruas_ssd_darkface', 'configs/ruas_ssd_exdark'
ACDC = 'configs/ruas_deeplabv3plus_acdc'
LAST = '"$(cat work_dirs/{}/last_checkpoint)"'   # the newest checkpoint of a run
ENH_METRICS = ('PSNR', 'SSIM', 'LPIPS')


def train_test(config: str, name: str, extra: str = '') -> tuple[tuple[str, str], ...]:
    """Train ``config`` (work dir ``work_dirs/<name>``) and test its last checkpoint."""
    opts = f' --cfg-options {extra}' if extra else ''
    return ((f'train {name}', f'python tools/train.py {config} --work-dir work_dirs/{name}{opts}'),
            (f'test {name}', f'python tools/test.py {config} {LAST.format(name)}{opts}'))


def search_retrain(config: str, name: str) -> tuple[tuple[str, str], ...]:
    """Search with ``config``, then train and test the ``retrain_config.py`` it writes."""
    retrain = f'work_dirs/{name}/retrain_config.py'
    return ((f'search ({name})', f'python tools/train.py {config} --work-dir work_dirs/{name}'),
            ('train the searched network', f'python tools/train.py {retrain} '
             f'--work-dir work_dirs/{name}_retrain'),
            ('test', f'python tools/test.py {retrain} {LAST.format(name + "_retrain")}'))


def search_expect(size: int, epochs: int, wd: float) -> dict[str, object]:
    """The papers' search settings for a search set of ``size`` images (§6.1, §7.1, §7.2):
    batch 1, initial lr 3e-4, weight decay ``wd``; an epoch is one pass over the ω half."""
    half = size - size // 2
    return {'train_dataloader.batch_size': 1, 'train_cfg.max_iters': epochs * half,
            'optim_wrapper.scene_alpha.optimizer.lr': 3e-4,
            'optim_wrapper.scene_alpha.optimizer.weight_decay': wd,
            'optim_wrapper.task_alpha.optimizer.lr': 3e-4,
            'optim_wrapper.task_alpha.optimizer.weight_decay': wd}


ENH_SEARCH_OURS = (
    'the papers give one optimiser description ("momentum randomly sampled from (0.5, 0.999)"): '
    'α by Adam with betas (0.5, 0.999), weights by the authors\' script\'s SGD recipe',
    'an epoch is one pass of batch-1 iterations over the ω half of the search set, each also '
    'drawing an α-half batch (configs/ruas_enhance/README.md)',
    'training after the search: the authors\' SGD recipe, 20 epochs of the training images',
    'random splits drawn with seed 0 (make_split.py --seed)')
DET_OURS = (
    'the detector\'s training schedule (the paper gives none): mmdet\'s SSD300 SGD recipe',
    'an epoch of the search is one pass over the ω half at batch 1, one phase per epoch',
    'Adam as the search\'s optimiser (the paper names none; DARTS\' α betas)')

SPLIT_LOL = ('split (optional: the official 689 / 100 is the default)',
             'python tools/dataset_converters/make_split.py lolv2 data/LOL-v2/Real_captured')
SPLIT_MIT = ('split 500 / 100', 'python tools/dataset_converters/make_split.py mit5k '
             'data/MIT-Adobe-5K')
SPLIT_DF = ('split 5,000 / 1,000', 'python tools/dataset_converters/make_split.py darkface '
            'data/DarkFace')
SPLIT_EX = ('split 5,200 / 1,200', 'python tools/dataset_converters/make_split.py exdark '
            'data/ExDark')
GENOTYPE = ('"model.scene.iem.genotype=[the IEM list of work_dirs/{0}/retrain_config.py]" '
            '"model.scene.nrm.genotype=[its NRM list]"')

RUAS_TPAMI_TABLES = [
    Protocol(
        table='RUAS-TPAMI Table II',
        split_sizes={'mit5k': (500, 100)},
        measures='the number K of unrolled scene stages, K = 1 to 5 (RUAS_S)',
        data='MIT-Adobe 5K, 500 under-exposed images for search and training, 100 pairs for '
             'testing against expert C (seeded random draw)',
        source='RUAS-TPAMI §6.1, §6.2 "Analyzing the iteration number", Table II',
        steps=(SPLIT_MIT,) + sum((train_test(f'{MIT}/ruas_s_mit5k_k{k}.py', f'ruas_s_mit5k_k{k}')
                                  for k in range(1, 6)), ()),
        expect={f'{MIT}/ruas_s_mit5k_k{k}.py': {'model.scene.iem.num_stages': k,
                                                'model.scene.variant': 'RUAS_S',
                                                'train_dataloader.batch_size': 1,
                                                'test_evaluator.*.type': list(ENH_METRICS)}
                for k in range(1, 6)},
        metrics=ENH_METRICS,
        paper={'PSNR (K=1..5)': '13.013 / 20.926 / 21.018 / 20.857 / 20.846',
               'SSIM': '0.772 / 0.823 / 0.855 / 0.826 / 0.828',
               'LPIPS': '0.205 / 0.172 / 0.139 / 0.172 / 0.162'},
        gpu_hours='~0.5 h',
        ours=('RUAS_S is the model (K = 3 equals Table V\'s MIT RUAS_S row)',
              'one searched IEM genotype for every K')),
    Protocol(
        table='RUAS-TPAMI Table III',
        split_sizes={'mit5k': (500, 100)},
        measures='naively determined architectures (the supernet, single-operation cells) '
                 'against the searched RUAS',
        data='MIT-Adobe 5K, 500 / 100 (as Table II)',
        source='RUAS-TPAMI §6.2 "Analyzing the search process", Table III',
        steps=(SPLIT_MIT,)
        + sum((train_test(f'{MIT}/ruas_mit5k_{v}.py', f'ruas_mit5k_{v}') for v in
               ('supernet', 'op_1c', 'op_3c', 'op_1rc', 'op_3rc', 'op_3_2dc', 'op_3_2rdc')), ())
        + train_test(f'{MIT}/ruas_mit5k.py', 'ruas_mit5k')
        + (('size and FLOPs at 600×400', f'python tools/analysis_tools/get_flops.py '
            f'{MIT}/ruas_mit5k_supernet.py'),),
        expect={f'{MIT}/ruas_mit5k_supernet.py': {'model.scene.iem.genotype': None,
                                                  'model.scene.nrm.genotype': None},
                **{f'{MIT}/ruas_mit5k_op_{k}.py': {'model.scene.iem.genotype': [op] * 7,
                                                   'model.scene.nrm.genotype': [op] * 7}
                   for k, op in (('1c', '1-C'), ('3c', '3-C'), ('1rc', '1-RC'), ('3rc', '3-RC'),
                                 ('3_2dc', '3-2-DC'), ('3_2rdc', '3-2-RDC'))}},
        metrics=('PSNR', 'SSIM', 'size', 'FLOPs', 'time'),
        paper={'PSNR': {'Supernet': '18.940', '1-C': 18.829, '3-C': 19.107, '1-RC': 19.151,
                        '3-RC': 19.307, '3-2-DC': 19.154, '3-2-RDC': 19.391, 'RUAS': 21.018}},
        gpu_hours='~1 h',
        ours=('RUAS (IEM + NRM) is the model: its row has RUAS\'s size and FLOPs',
              'the supernet trains α with the weights on the training loss (one level)')),
    Protocol(
        table='RUAS-TPAMI Table IV',
        split_sizes={'lolv2': (689, 100)},
        measures='the search strategy: global, independent and cooperative search',
        data='LOL-v2 Real_captured, 689 search/train + 100 test (its official split; a seeded '
             'random 689 / 100 as an option)',
        source='RUAS-TPAMI §6.1 (20 epochs, batch 1, lr 3e-4, weight decay 1e-3), §6.2, '
               'Table IV',
        steps=sum((search_retrain(f'{LOL}/ruas_search_lolv2{s}.py', f'ruas_search_lolv2{s}')
                   for s in ('_global', '_independent', '')), ()),
        expect={f'{LOL}/ruas_search_lolv2.py': {**search_expect(689, 20, 1e-3),
                                                'custom_hooks.0.strategy': 'cooperative'},
                f'{LOL}/ruas_search_lolv2_global.py': {**search_expect(689, 20, 1e-3),
                                                       'custom_hooks.0.strategy': 'global'},
                f'{LOL}/ruas_search_lolv2_independent.py': {
                    'train_dataloader.batch_size': 1, 'custom_hooks.0.strategy': 'independent',
                    'optim_wrapper.scene_alpha.optimizer.weight_decay': 1e-3}},
        metrics=('PSNR', 'SSIM', 'size', 'FLOPs'),
        paper={'PSNR / SSIM': {'global': '14.496 / 0.543', 'independent': '15.841 / 0.584',
                               'cooperative': '18.226 / 0.717'}},
        gpu_hours='~1–1.5 h',
        ours=ENH_SEARCH_OURS + ('the independent strategy searches the NRM for 690 more '
                                'iterations after the IEM\'s 6,900',)),
    Protocol(
        table='RUAS-TPAMI Table V',
        split_sizes={'mit5k': (500, 100), 'lolv2': (689, 100)},
        measures='RUAS_S, RUAS and RUAS_A against other enhancers (PSNR, SSIM, LPIPS, size, '
                 'FLOPs, time)',
        data='MIT-Adobe 5K 500 / 100 (expert C) and LOL-v2 Real_captured 689 / 100',
        source='RUAS-TPAMI §6.1, §6.3, Table V',
        steps=((SPLIT_MIT,) + search_retrain(f'{MIT}/ruas_search_mit5k.py', 'ruas_search_mit5k')
               + train_test(f'{MIT}/ruas_s_mit5k.py', 'ruas_s_mit5k',
                            GENOTYPE.format('ruas_search_mit5k').split(' "model.scene.nrm')[0])
               + train_test(f'{MIT}/ruas_a_mit5k.py', 'ruas_a_mit5k',
                            GENOTYPE.format('ruas_search_mit5k'))
               + (SPLIT_LOL,) + search_retrain(f'{LOL}/ruas_search_lolv2.py', 'ruas_search_lolv2')
               + train_test(f'{LOL}/ruas_s_lolv2.py', 'ruas_s_lolv2',
                            GENOTYPE.format('ruas_search_lolv2').split(' "model.scene.nrm')[0])
               + train_test(f'{LOL}/ruas_a_lolv2.py', 'ruas_a_lolv2',
                            GENOTYPE.format('ruas_search_lolv2'))
               + (('comparison rows', 'each other method\'s own outputs on the 100 test pairs, '
                   'scored by the same evaluators'),)),
        expect={f'{MIT}/ruas_search_mit5k.py': search_expect(500, 20, 1e-3),
                f'{LOL}/ruas_search_lolv2.py': search_expect(689, 20, 1e-3),
                f'{MIT}/ruas_s_mit5k.py': {'model.scene.variant': 'RUAS_S',
                                           'test_evaluator.*.type': list(ENH_METRICS)},
                f'{MIT}/ruas_a_mit5k.py': {'model.scene.variant': 'RUAS_A'},
                f'{LOL}/ruas_s_lolv2.py': {'model.scene.variant': 'RUAS_S'},
                f'{LOL}/ruas_a_lolv2.py': {'model.scene.variant': 'RUAS_A'}},
        metrics=ENH_METRICS,
        paper={'MIT PSNR / SSIM / LPIPS': {'RUAS_S': '21.018 / 0.855 / 0.139',
                                           'RUAS': '20.830 / 0.854 / 0.141',
                                           'RUAS_A': '21.018 / 0.855 / 0.139'},
               'LOL': {'RUAS_S': '16.038 / 0.513 / 0.661', 'RUAS': '18.226 / 0.717 / 0.354',
                       'RUAS_A': '19.751 / 0.735 / 0.393'}},
        gpu_hours='~1–2 h',
        ours=ENH_SEARCH_OURS + ('the RUAS_A estimator trains on an L1 noise loss with the NRM\'s '
                                'optimiser (the paper does not say how)',)),
    Protocol(
        table='RUAS-TPAMI Table VI',
        split_sizes={'darkface': (5000, 1000)},
        measures='training strategies: end-to-end on ℓt, end-to-end on ℓt + λℓs, hierarchical',
        data='DARK FACE, 5,000 search/train + 1,000 test images drawn at random (seeded)',
        source='RUAS-TPAMI §3 (eq. 5), §7.1, Table VI',
        steps=((SPLIT_DF, ('search (the searched genotypes are the configs\' defaults: the '
                           'published ones)',
                           f'python tools/train.py {SSD_DF}/ruas_ssd_darkface_search.py'),
                ('stage 1 (ℓs, no labels)',
                 f'python tools/train.py {SSD_DF}/ruas_ssd_darkface_stage1.py'))
               + train_test('configs/ruas_ssd_darkface.py', 'ruas_ssd_darkface')
               + train_test(f'{SSD_DF}/ruas_ssd_darkface_e2e_lam0.py', 'ruas_ssd_darkface_e2e_lam0')
               + train_test(f'{SSD_DF}/ruas_ssd_darkface_e2e_lam0.1.py',
                            'ruas_ssd_darkface_e2e_lam0.1')),
        expect={f'{SSD_DF}/ruas_ssd_darkface_search.py': {
                    **search_expect(5000, 30, 5e-4), 'model.freeze_backbone': True,
                    'optim_wrapper.task_w.optimizer.lr': 3e-4,
                    'optim_wrapper.task_w.optimizer.weight_decay': 5e-4,
                    'custom_hooks.0.phase_iters': (2500, 2500),
                    'train_dataloader.dataset.ann_file': 'train.txt'},
                'configs/ruas_ssd_darkface.py': {
                    'train_dataloader.dataset.ann_file': 'train.txt',
                    'test_dataloader.dataset.ann_file': 'test.txt',
                    'model.bbox_head.num_classes': 1, 'model.bbox_head.type': 'SearchSSDHead',
                    'model.data_preprocessor.type': 'RUASDetDataPreprocessor',
                    'test_evaluator.iou_thrs': 0.5},
                f'{SSD_DF}/ruas_ssd_darkface_e2e_lam0.py': {
                    'model.data_preprocessor.scene_checkpoint': None},
                f'{SSD_DF}/ruas_ssd_darkface_e2e_lam0.1.py': {'model.type': 'SceneTaskModel',
                                                              'model.lam': 0.1}},
        metrics=('mAP (VOC, IoU 0.5)',),
        paper={'end-to-end ℓt': 0.685, 'end-to-end ℓt + λℓs': '0.660', 'hierarchical': 0.693},
        gpu_hours='~15 h (search ~5 h, each trained row ~3–4 h)',
        ours=DET_OURS + ('λ = 0.1 (the paper gives no value)',)),
    Protocol(
        table='RUAS-TPAMI Table VII',
        split_sizes={'darkface': (5000, 1000)},
        measures='backbones of the detector: ResNet-50/101/152 and VGG-16, baseline and ours',
        data='DARK FACE 5,000 / 1,000 (Table VII names no data set; its VGG-16 figures equal '
             'Tables VI and VIII\'s DARK FACE ones)',
        source='RUAS-TPAMI §7.1 "Evaluations on different backbones", Table VII',
        steps=((SPLIT_DF,) + sum((train_test(f'{SSD_DF}/ruas_ssd_darkface_r{d}.py',
                                             f'ruas_ssd_darkface_r{d}') for d in (50, 101, 152)),
                                 ())
               + train_test('configs/ruas_ssd_darkface.py', 'ruas_ssd_darkface')
               + train_test(f'{SSD_DF}/ruas_ssd_darkface_tm.py', 'ruas_ssd_darkface_tm')),
        expect={f'{SSD_DF}/ruas_ssd_darkface_r{d}.py': {'model.backbone.depth': d}
                for d in (50, 101, 152)},
        metrics=('mAP (VOC, IoU 0.5)',),
        paper={'Ours': {'ResNet-50': 0.674, 'ResNet-101': 0.657, 'ResNet-152': 0.661,
                        'VGG-16': 0.685},
               'Baseline': {'ResNet-50': 0.618, 'ResNet-101': 0.591, 'ResNet-152': 0.604,
                            'VGG-16': 0.611}},
        gpu_hours='~20 h',
        ours=DET_OURS + ('the ResNet levels feeding the S3FD-form head; the ResNet baselines are '
                         'the _r* configs with _tm.py\'s changes (no configs of their own)',)),
    Protocol(
        table='RUAS-TPAMI Table VIII',
        split_sizes={'darkface': (5000, 1000)},
        measures='the task module: hand-designed (TM), RUAS_S + TM, searched TM, RUAS',
        data='DARK FACE 5,000 / 1,000 (as Table VI)',
        source='RUAS-TPAMI §7.1 "Analyzing the search process", Table VIII',
        steps=((SPLIT_DF,) + train_test(f'{SSD_DF}/ruas_ssd_darkface_tm.py', 'ruas_ssd_darkface_tm')
               + (('stage 1', f'python tools/train.py {SSD_DF}/ruas_ssd_darkface_stage1.py'),)
               + train_test(f'{SSD_DF}/ruas_ssd_darkface_scene_tm.py',
                            'ruas_ssd_darkface_scene_tm')
               + train_test(f'{SSD_DF}/ruas_ssd_darkface_searched_tm.py',
                            'ruas_ssd_darkface_searched_tm')
               + train_test('configs/ruas_ssd_darkface.py', 'ruas_ssd_darkface')),
        expect={f'{SSD_DF}/ruas_ssd_darkface_tm.py': {
                    'model.data_preprocessor.type': 'DetDataPreprocessor',
                    'model.bbox_head.reg_genotype': ['conv_3x3'] * 6},
                f'{SSD_DF}/ruas_ssd_darkface_scene_tm.py': {
                    'model.data_preprocessor.type': 'RUASDetDataPreprocessor',
                    'model.bbox_head.reg_genotype': ['conv_3x3'] * 6},
                f'{SSD_DF}/ruas_ssd_darkface_searched_tm.py': {
                    'model.data_preprocessor.type': 'DetDataPreprocessor'}},
        metrics=('mAP (VOC, IoU 0.5)',),
        paper={'TM': 0.611, 'RUAS_S+TM': 0.639, 'Search TM': 0.655, 'RUAS': 0.685},
        gpu_hours='~15 h',
        ours=DET_OURS),
    Protocol(
        table='RUAS-TPAMI Table IX',
        split_sizes={'darkface': (5000, 1000)},
        measures='enhancer + detector (DSFD, S3FD, PyramidBox), low-light detectors and RUAS',
        data='DARK FACE 5,000 / 1,000 (seeded random)',
        source='RUAS-TPAMI §7.1, Table IX',
        steps=((SPLIT_DF,) + train_test('configs/ruas_ssd_darkface.py', 'ruas_ssd_darkface')
               + (('enhancer + DSFD: enhance the tree with another method',
                   'python tools/enhance.py ENH_CONFIG ENH_CKPT data/DarkFace '
                   'work_dirs/enhanced/DarkFace --keep-tree'),)
               + train_test('configs/ruas_dsfd_darkface/ruas_dsfd_darkface_baseline_no_scene.py',
                            'dsfd_enhanced', ' '.join(
                                f'{k}_dataloader.dataset.enhanced_root=work_dirs/enhanced/DarkFace'
                                for k in ('train', 'val', 'test')))),
        expect={'configs/ruas_dsfd_darkface/ruas_dsfd_darkface_baseline_no_scene.py': {
                    'test_dataloader.dataset.ann_file': 'test.txt'}},
        metrics=('mAP (VOC, IoU 0.5)', 'PR curve (tools/analysis_tools/plot_pr.py)'),
        paper={'Ours': 0.693, 'DSFD fine-tuned on the low-light images': 0.596,
               'best enhancer + detector (PyramidBox fine-tuned on ZeroDCE)': 0.658},
        gpu_hours='~5 h for Ours; ~4 h per compared enhancer',
        ours=DET_OURS + ('the DSFD-style detector stands for DSFD; S3FD and PyramidBox rows have '
                         'no config', 'the "Pre-train" rows are tools/test.py of a detector '
                         'trained on normal-light faces, which the project does not ship')),
    Protocol(
        table='RUAS-TPAMI Table X',
        split_sizes={'exdark': (5200, 1200)},
        measures='per-class AP of the fine-tuned SSD on each enhancer\'s results, and RUAS',
        data='ExDark, 5,200 search/train + 1,200 test images drawn at random (seeded; '
             'the official split as configs/_base_/datasets/exdark_official.py)',
        source='RUAS-TPAMI §7.1, Table X',
        steps=((SPLIT_EX, ('search (optional: the published genotypes are the defaults)',
                           f'python tools/train.py {SSD_EX}/ruas_ssd_exdark_search.py'),
                ('stage 1', f'python tools/train.py {SSD_EX}/ruas_ssd_exdark_stage1.py'))
               + train_test('configs/ruas_ssd_exdark.py', 'ruas_ssd_exdark')
               + (('enhancer + SSD: enhance the tree with another method',
                   'python tools/enhance.py ENH_CONFIG ENH_CKPT data/ExDark '
                   'work_dirs/enhanced/ExDark --keep-tree'),)
               + train_test(f'{SSD_EX}/ruas_ssd_exdark_tm.py', 'ssd_exdark_enhanced', ' '.join(
                   f'{k}_dataloader.dataset.enhanced_root=work_dirs/enhanced/ExDark'
                   for k in ('train', 'val', 'test')))),
        expect={f'{SSD_EX}/ruas_ssd_exdark_search.py': {
                    **search_expect(5200, 30, 5e-4), 'model.freeze_backbone': True,
                    'custom_hooks.0.phase_iters': (2600, 2600),
                    'train_dataloader.dataset.ann_file': 'ruas_train.txt'},
                'configs/ruas_ssd_exdark.py': {
                    'train_dataloader.dataset.ann_file': 'ruas_train.txt',
                    'test_dataloader.dataset.ann_file': 'ruas_test.txt',
                    'model.bbox_head.num_classes': 12, 'test_evaluator.type': 'ExDarkVOCMetric',
                    'test_evaluator.iou_thrs': 0.5},
                f'{SSD_EX}/ruas_ssd_exdark_tm.py': {
                    'model.data_preprocessor.type': 'DetDataPreprocessor',
                    'test_dataloader.dataset.ann_file': 'ruas_test.txt'}},
        metrics=('AP per class', 'mAP (VOC, IoU 0.5)'),
        paper={'Ours mAP': 0.536, 'best compared (KinD)': 0.513},
        gpu_hours='~6 h for Ours (search ~3–4 h); ~3 h per compared enhancer',
        ours=DET_OURS + ('the test set also serves as the validation set',)),
    Protocol(
        table='RUAS-TPAMI Table XI',
        split_sizes={'acdc': (400, 106)},
        measures='per-class IoU and the 17-class mIoU of DeepLab-v3+ on each enhancer\'s '
                 'results, DANNet and RUAS',
        data='ACDC night, 400 search/train + 106 test: the official night train / val, which '
             'have the counts of the paper\'s random draw (the draw itself: make_split.py acdc '
             'and split=(\'train\', \'val\') with its ann_file)',
        source='RUAS-TPAMI §7.2, Table XI',
        steps=((('search (optional: the ASPP genotype default is DeepLab-v3+\'s own)',
                 f'python tools/train.py {ACDC}/ruas_deeplabv3plus_acdc_search.py'),
                ('stage 1', f'python tools/train.py {ACDC}/ruas_deeplabv3plus_acdc_stage1.py'))
               + train_test('configs/ruas_deeplabv3plus_acdc.py', 'ruas_deeplabv3plus_acdc')
               + train_test(f'{ACDC}/deeplabv3plus_acdc_tm.py', 'deeplabv3plus_acdc_tm')),
        expect={f'{ACDC}/ruas_deeplabv3plus_acdc_search.py': {
                    **search_expect(400, 30, 5e-4), 'model.freeze_backbone': True,
                    'custom_hooks.0.phase_iters': (200, 200)},
                'configs/ruas_deeplabv3plus_acdc.py': {
                    'model.init_cfg.type': 'Pretrained',
                    'train_dataloader.dataset.condition': 'night',
                    'train_dataloader.dataset.split': 'train',
                    'test_dataloader.dataset.split': 'val',
                    'test_evaluator.subsets.mIoU17': 'ruas_tpami_table_xi'},
                f'{ACDC}/deeplabv3plus_acdc_tm.py': {
                    'model.data_preprocessor.type': 'SegDataPreProcessor',
                    'test_evaluator.subsets.mIoU17': 'ruas_tpami_table_xi'}},
        metrics=('IoU per class', 'mIoU over Table XI\'s 17 classes (mIoU17)',
                 'mIoU over 19 classes'),
        paper={'mIoU (17 classes)': {'Ours': 48.5, 'DeepLab-v3+': 46.1, 'DANNet': 44.3}},
        gpu_hours='~14 h (training ~12 h on 4 GPUs × 3 h)',
        ours=('the start is mmseg\'s Cityscapes DeepLab-v3+ R-101-D8 (the paper\'s [53] uses '
              'Xception): docs/segmentation.md', 'the training schedule (SGD 0.01, poly, 20k '
              'iterations)', 'an epoch of the search is one pass over the 200-image ω half')),
]
