
import pytest
import torch
from mmengine.structures import BaseDataElement

from mmruas.registry import MODELS


def build(variant='RUAS_A'):
    torch.manual_seed(0)
    return MODELS.build(dict(type='RUASEnhancer', scene=dict(type='RUAS', variant=variant)))


@pytest.mark.parametrize('variant', ['RUAS_S', 'RUAS', 'RUAS_A'])
def test_loss_mode_is_unsupervised_and_reaches_every_module(variant):
    model = build(variant)
    data = {'inputs': [torch.randint(0, 60, (3, 24, 32), dtype=torch.uint8) for _ in range(2)],
            'data_samples': [BaseDataElement(metainfo=dict(max_value=255)) for _ in range(2)]}
    batch = model.data_preprocessor(data, training=True)
    losses = model(**batch, mode='loss')
    expected = {'RUAS_S': {'loss_iem'}, 'RUAS': {'loss_iem', 'loss_nrm'},
                'RUAS_A': {'loss_iem', 'loss_nrm', 'loss_estimator'}}[variant]
    assert set(losses) == expected
    sum(losses.values()).backward()
    for name, module in model.scene.named_children():
        grads = [p.grad for p in module.parameters()]
        assert all(g is not None for g in grads), name
        assert sum(float(g.abs().sum()) for g in grads) > 0, name


def test_predict_mode_crops_padding_and_fills_fields():
    model = build().eval()
    data = {'inputs': [torch.randint(0, 60, (3, 20, 30), dtype=torch.uint8),
                       torch.randint(0, 60, (3, 24, 32), dtype=torch.uint8)],
            'data_samples': [BaseDataElement(metainfo=dict(max_value=255, img_shape=(20, 30))),
                             BaseDataElement(metainfo=dict(max_value=255, img_shape=(24, 32)))]}
    with torch.no_grad():
        out = model.test_step(data)
    assert out[0].pred_img.shape == (3, 20, 30) and out[1].pred_img.shape == (3, 24, 32)
    assert out[0].pred_illumination.shape == (3, 20, 30)
    assert out[0].noise_gate.dtype == torch.bool
    # the first image alone gives the same result as inside the padded batch
    single = model.test_step({'inputs': data['inputs'][:1],
                              'data_samples': [BaseDataElement(
                                  metainfo=dict(max_value=255, img_shape=(20, 30)))]})
    # padding changes the border context of the convolutions only near the padded edge
    torch.testing.assert_close(single[0].pred_img[:, :12, :22], out[0].pred_img[:, :12, :22],
                               atol=1e-5, rtol=0)


