import os.path as osp

import numpy as np
import pytest
import torch

from mmruas.scene import IEM, NRM, RUAS, NoiseEstimator, max_omega
from mmruas.scene.released import (
    RELEASED_NUM_PARAMS,
    ReleasedLayoutError,
    convert_released_state_dict,
)


def test_max_omega_is_top_left_anchored_2x2_max_with_zero_padding():
    x = torch.tensor([[[[1., 5., 2.], [0., 3., 9.], [4., 0., 1.]]]])
    expected = torch.tensor([[[[5., 9., 9.], [4., 9., 9.], [4., 1., 1.]]]])
    assert torch.equal(max_omega(x), expected)
    assert torch.equal(max_omega(-torch.ones(1, 1, 2, 2)),
                       torch.tensor([[[[-1., 0.], [0., 0.]]]]))


def test_iem_unrolling_equations():
    torch.manual_seed(0)
    iem = IEM(num_stages=3, gamma=0.5)
    y = torch.rand(2, 3, 16, 20) * 0.3
    us, ts, t_hats = iem(y)
    assert len(us) == len(ts) == len(t_hats) == 3
    assert torch.equal(t_hats[0], max_omega(y))
    for k, stage in enumerate(iem.stages):
        t_hat = max_omega(y) if k == 0 else max_omega(us[k - 1]) - 0.5 * (us[k - 1] - y)
        torch.testing.assert_close(t_hats[k], t_hat)
        t = torch.clamp(torch.sigmoid(stage.cell(t_hat)), 1e-4, 1)
        torch.testing.assert_close(ts[k], t)
        torch.testing.assert_close(us[k], torch.clamp(y / t, 0, 1))
    shared = IEM(share_cells=True)
    assert shared.stages[0].cell is shared.stages[2].cell
    assert IEM(width=8).stages[0](t_hats[0], y)[0].shape == y.shape


def test_variants_param_counts_and_nrm_output():
    counts = {v: sum(p.numel() for p in RUAS(v).parameters()) for v in
              ('RUAS_S', 'RUAS', 'RUAS_A')}
    assert counts['RUAS_A'] == RELEASED_NUM_PARAMS == 36653
    assert counts['RUAS_S'] < counts['RUAS'] < counts['RUAS_A']
    nrm = NRM()
    u = torch.rand(1, 3, 8, 8)
    torch.testing.assert_close(nrm(u), u - nrm.noise(u))


def test_noise_gate_decides_per_image_and_batch_equals_single():
    torch.manual_seed(0)
    model = RUAS('RUAS_A').eval()
    y = torch.rand(3, 3, 24, 24) * 0.2
    with torch.no_grad():
        theta = model.estimator(model.iem(y)[0][-1])
        levels = NoiseEstimator.level(theta)
        # put the threshold between the images' levels so that the gate differs
        model.estimator.threshold = float(levels.sort().values[1])
        batch = model(y)
        assert batch.gate.tolist() == (levels >= model.estimator.threshold).tolist()
        assert 0 < int(batch.gate.sum()) < 3
        for i in range(3):
            single = model(y[i:i + 1])
            assert bool(single.gate[0]) == bool(batch.gate[i])
            torch.testing.assert_close(single.output[0], batch.output[i], atol=1e-6, rtol=0)
            expected = batch.denoised[i] if batch.gate[i] else batch.us[-1][i]
            torch.testing.assert_close(batch.output[i], expected)


def test_eval_runs_the_nrm_on_gated_images_only():
    """Inference skips the NRM where the gate is closed (the released code's behaviour, one
    host sync per batch); the output is the same as the sync-free ``where`` form to the last
    bit, and training keeps that form (NRM on every image)."""
    torch.manual_seed(0)
    model = RUAS('RUAS_A', channels_last=False).eval()   # one memory format: bit equality
    y = torch.rand(4, 3, 20, 24) * 0.2
    y[1:3] += torch.rand(2, 3, 20, 24) * 0.3            # noisier images
    with torch.no_grad():
        levels = NoiseEstimator.level(model.estimator(model.iem(y)[0][-1]))
    model.estimator.threshold = float(levels.sort().values[2])   # two open, two closed
    calls = []
    model.nrm.register_forward_hook(lambda m, args, out: calls.append(args[0].shape[0]))
    with torch.no_grad():
        fast = model(y)
        model.skip_closed_gate = False
        full = model(y)
        model.skip_closed_gate = True
        model.train()
        trained = model(y)
    assert calls == [2, 4, 4]
    assert fast.gate.tolist() == full.gate.tolist() and int(fast.gate.sum()) == 2
    assert torch.equal(fast.output, full.output)
    torch.testing.assert_close(trained.output, full.output, rtol=0, atol=0)
    model.eval()
    model.estimator.threshold = 10.0                               # every gate closed
    with torch.no_grad():
        closed = model(y)
    assert len(calls) == 3                                         # NRM not run at all
    assert torch.equal(closed.output, closed.us[-1])


def test_channels_last_eval_equals_default_format():
    """Eval on the CPU computes in channels-last; same output (float rounding) and gate, and
    the output keeps the default contiguous layout."""
    torch.manual_seed(0)
    model = RUAS('RUAS_A').eval()
    y = torch.rand(2, 3, 30, 41) * 0.3
    model.estimator.threshold = 0.0                     # NRM on both images
    with torch.no_grad():
        fast = model(y)
        model.channels_last = False
        plain = model(y)
    assert fast.us[-1].is_contiguous(memory_format=torch.channels_last)
    assert not plain.us[-1].is_contiguous(memory_format=torch.channels_last)
    assert fast.output.is_contiguous()
    assert (fast.output - plain.output).abs().max() <= 1e-5
    assert fast.gate.tolist() == plain.gate.tolist() == [True, True]


def test_converter_rejects_other_layouts():
    with pytest.raises(ReleasedLayoutError, match="'backbone.w'"):
        convert_released_state_dict({'backbone.w': torch.zeros(1)})
    sd = {f'enhance_net.iems.0.cell.c1_r.op.{n}': torch.zeros(3) for n in ('weight', 'bias')}
    with pytest.raises(ReleasedLayoutError, match='2 tensors'):
        convert_released_state_dict(sd)


def _load_lol(reference_dir, name):
    import cv2
    img = cv2.imread(osp.join(reference_dir, 'lol', 'low', f'{name}.png'))[:, :, ::-1]
    return torch.from_numpy(np.ascontiguousarray(img).astype(np.float32) / 255).permute(2, 0, 1)


def test_released_weights_parity(reference_dir, device):
    """Converted lol.pt reproduces the released code's outputs and gate decisions, on the CPU
    and (``make test-cuda``) on a GPU. cuDNN's TF32 convolutions (torch's default on Ampere and
    later) round inputs to 10 mantissa bits, so the GPU parity is taken with TF32 off; the
    difference with it on is printed."""
    sd = torch.load(osp.join(reference_dir, 'weights', 'lol.pt'), map_location='cpu')
    model = RUAS('RUAS_A').eval().to(device)
    model.load_state_dict(convert_released_state_dict(sd), strict=True)
    ref = np.load(osp.join(reference_dir, 'lol', 'released_code_output.npz'))
    expected_gate = {'00001': False, '00091': False, '00271': True, '00451': True,
                     '00481': False}
    expected_level = {'00001': 0.008, '00091': 0.012, '00271': 0.147, '00451': 0.140,
                      '00481': 0.007}
    names = sorted(ref.files)
    assert names == sorted(expected_gate)
    batch = torch.stack([_load_lol(reference_dir, n) for n in names]).to(device)
    tf32 = torch.backends.cudnn.allow_tf32
    try:
        diffs = {}
        for allow in ((True, False) if device == 'cuda' else (tf32,)):   # last: TF32 off
            torch.backends.cudnn.allow_tf32 = allow
            with torch.no_grad():
                out = model(batch)
            diffs[allow] = max(float(np.abs(out.output[i].cpu().numpy() - ref[n]).max())
                               for i, n in enumerate(names))
    finally:
        torch.backends.cudnn.allow_tf32 = tf32
    print(f'\n[parity {device}] max |mmruas - released code| over the 5 LOL images: '
          + ', '.join(f'{v:.2e}' + (f' (TF32 {"on" if k else "off"})' if device == 'cuda' else '')
                      for k, v in diffs.items()))
    for i, name in enumerate(names):
        diff = np.abs(out.output[i].cpu().numpy() - ref[name]).max()
        assert diff <= (1e-5 if device == 'cpu' else 1e-4), (name, diff)
        assert bool(out.gate[i]) == expected_gate[name]
        assert float(out.noise_level[i]) == pytest.approx(expected_level[name], abs=5e-4)
