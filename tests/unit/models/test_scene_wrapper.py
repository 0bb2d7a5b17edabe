"""The scene wrapper owns the channel order (one conversion where the task wants RGB from
BGR images) for both adapters, and a scene without tᴷ has no scene loss: a clear error."""
from __future__ import annotations

import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.registry import DefaultScope
from mmseg.structures import SegDataSample
from torch import nn

from mmruas.bgl import GenerativeBlock
from mmruas.det import RUASDetDataPreprocessor
from mmruas.losses import SceneLoss
from mmruas.models import scene_loss_of
from mmruas.scene import SceneOutput
from mmruas.seg import RUASSegDataPreprocessor


class RedScene(nn.Module):
    """Records its input; outputs pure red (RGB) images."""

    def forward(self, y: torch.Tensor) -> SceneOutput:
        self.seen = y
        out = torch.zeros_like(y)
        out[:, 0] = 1.0
        return SceneOutput(output=out, us=[out], ts=[out], t_hats=[out])


@pytest.mark.parametrize('adapter, sample', [(RUASDetDataPreprocessor, DetDataSample),
                                             (RUASSegDataPreprocessor, SegDataSample)])
@pytest.mark.parametrize('flags, red_channel, scene_sees_flipped', [
    (dict(bgr_to_rgb=True), 0, True),    # BGR images, RGB task: one conversion (input)
    (dict(), 2, True),                   # BGR images, BGR task: into and out of the scene
    (dict(rgb_to_bgr=True), 2, False),   # RGB images, BGR task: one conversion (output)
])
def test_channel_order(adapter, sample, flags, red_channel, scene_sees_flipped) -> None:
    scene = RedScene()
    pp = adapter(scene=scene, mean=[0, 0, 0], std=[1, 1, 1], **flags)
    # the task preprocessor itself converts nothing
    assert not getattr(pp, '_channel_conversion', False)
    assert not getattr(pp, 'channel_conversion', False)
    img = torch.arange(3 * 4 * 4, dtype=torch.uint8).view(3, 4, 4)
    meta = dict(img_shape=(4, 4), ori_shape=(4, 4), scale_factor=(1.0, 1.0))
    out = pp(dict(inputs=[img], data_samples=[sample(metainfo=meta)]), False)['inputs'][0]
    expected = (img.flip(0) if scene_sees_flipped else img).float() / 255
    assert torch.equal(scene.seen[0], expected)
    assert torch.equal(out[red_channel], torch.full((4, 4), 255.0))
    assert out.sum() == 255.0 * 16  # the other channels are 0
    with pytest.raises(ValueError, match='cannot both be True'):
        adapter(scene=RedScene(), bgr_to_rgb=True, rgb_to_bgr=True)


def test_generative_block_has_no_scene_loss() -> None:
    """A GenerativeBlock as the scene gives no tᴷ: λ > 0 is refused with a clear message
    (it used to be an IndexError)."""
    with DefaultScope.overwrite_default_scope('mmdet'):
        pp = RUASDetDataPreprocessor(scene=GenerativeBlock(), bgr_to_rgb=True)
    raw = torch.randint(0, 255, (2, 4, 16, 16), dtype=torch.uint8)  # packed RAW
    out, scene_outputs = pp.run_scene(raw)
    assert out.shape == (2, 3, 32, 32) and scene_outputs[0].ts == []   # RAW at 2x
    with pytest.raises(ValueError, match='no scene loss .* use lam=0'):
        scene_loss_of(scene_outputs, SceneLoss())
