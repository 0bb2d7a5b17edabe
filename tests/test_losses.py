import pytest
import torch

from mmruas.losses import (
    IEMLoss,
    NRMLoss,
    RTVLoss,
    SceneLoss,
    TVLoss,
    relative_total_variation,
    total_variation,
)
from mmruas.registry import MODELS

X = torch.tensor([[[[0., 1.], [3., 3.]]]], dtype=torch.float64)


def test_tv_hand_computed():
    # |1-0| + |3-3| over 2 horizontal pairs, |3-0| + |3-1| over 2 vertical pairs
    assert total_variation(X).item() == pytest.approx(0.5 + 2.5)
    assert TVLoss(loss_weight=2.0)(X).item() == pytest.approx(6.0)


def test_rtv_hand_computed_with_point_window():
    # σ → 0: the window is a point, so D = L = |∂S| and RTV = mean(|∂S| / (|∂S| + ε))
    eps = 1e-3
    expected = (1 / (1 + eps)) / 4 + (3 / (3 + eps) + 2 / (2 + eps)) / 4
    assert relative_total_variation(X, sigma=0.1, eps=eps).item() == pytest.approx(expected)


def test_rtv_penalises_texture_not_edges():
    step = torch.zeros(1, 1, 32, 32)
    step[..., 16:] = 1
    texture = torch.zeros(1, 1, 32, 32)
    texture[..., ::2] = 1
    assert relative_total_variation(torch.ones(1, 3, 8, 8)).item() == 0
    # an edge costs D/(L+ε) ≈ 1 per pixel within the window radius (2σ = 6 px) of it:
    # 13 of 32 columns in the x term, 0 in the y term
    assert relative_total_variation(step).item() == pytest.approx(13 / 32, abs=0.02)
    assert relative_total_variation(texture).item() > 10 * relative_total_variation(step).item()


def test_iem_nrm_scene_losses_hand_computed():
    t = torch.full((1, 3, 4, 4), 0.5, dtype=torch.float64)
    t_hat0 = torch.full_like(t, 0.3)
    # constant t: RTV = 0, so only the fidelity terms remain
    # target='stage': each t against its own stage's warm start; 'first': all against t̂⁰
    assert IEMLoss(eta=1.0)([t, t], [t_hat0, t]).item() == pytest.approx(0.5 * 0.04)
    assert IEMLoss(eta=1.0, target='first')([t, t], [t_hat0, t]).item() == pytest.approx(
        2 * 0.5 * 0.04)
    assert SceneLoss(eta=1.0)(t, t_hat0).item() == pytest.approx(0.04)
    x = torch.zeros(1, 1, 2, 2, dtype=torch.float64)
    x[0, 0, 0, 1] = 1.0
    u = torch.zeros_like(x)
    # ½·mean((x-u)²) = ½·¼, TV = (1/2) + (1/2)
    assert NRMLoss(eta=0.5)(x, u).item() == pytest.approx(0.125 + 0.5)


def test_losses_are_registered():
    for name in ('RTVLoss', 'TVLoss', 'IEMLoss', 'NRMLoss', 'SceneLoss'):
        assert MODELS.get(name) is not None


def test_gradcheck_float64():
    torch.manual_seed(0)
    x = torch.rand(1, 2, 6, 7, dtype=torch.float64, requires_grad=True)
    y = torch.rand(1, 2, 6, 7, dtype=torch.float64)
    assert torch.autograd.gradcheck(lambda a: RTVLoss(sigma=1.0)(a), (x,))
    assert torch.autograd.gradcheck(lambda a: TVLoss()(a), (x,))
    assert torch.autograd.gradcheck(
        lambda a: IEMLoss(eta=0.3, sigma=1.0)([a, a * 0.5], [y, y * 0.5]), (x,))
    assert torch.autograd.gradcheck(lambda a: SceneLoss(eta=0.3, sigma=1.0)(a, y), (x,))
    assert torch.autograd.gradcheck(lambda a: NRMLoss(eta=0.3)(a, y), (x,))
