import numpy as np
import pytest

from mmruas.datasets.transforms.low_light import (
    LowLightSynthesis,
    linear_to_srgb,
    srgb_to_linear,
    synthesize_low_light,
)


def test_srgb_transfer_roundtrip_and_known_values():
    x = np.linspace(0, 1, 1001)
    np.testing.assert_allclose(linear_to_srgb(srgb_to_linear(x)), x, atol=1e-12)
    assert srgb_to_linear(np.array(0.5)) == pytest.approx(0.21404, abs=1e-5)


def test_exposure_scales_linear_intensity_without_noise():
    img = np.full((8, 8, 3), 200, np.uint8)
    out = synthesize_low_light(img, np.random.default_rng(0), 0.1, gain=0, read_noise=0)
    lin_in = srgb_to_linear(200 / 255)
    lin_out = srgb_to_linear(out.astype(np.float64) / 255)
    np.testing.assert_allclose(lin_out, 0.1 * lin_in, rtol=0.02)


def test_shot_noise_variance_grows_with_signal():
    rng = np.random.default_rng(0)
    dim = synthesize_low_light(np.full((200, 200, 3), 60, np.uint8), rng, 0.1, read_noise=0)
    bright = synthesize_low_light(np.full((200, 200, 3), 250, np.uint8), rng, 0.1,
                                  read_noise=0)
    var = [srgb_to_linear(x.astype(np.float64) / 255).var() for x in (dim, bright)]
    assert var[1] > 2 * var[0] > 0


def test_transform_keeps_original_as_gt_and_validates_range():
    np.random.seed(0)
    img = np.random.randint(0, 256, (16, 16, 3), np.uint8)
    out = LowLightSynthesis()({'img': img})
    assert out['gt_img'] is img and out['img'].mean() < img.mean() / 2
    with pytest.raises(ValueError, match='exposure range'):
        LowLightSynthesis(exposure=(0.5, 0.1))
