"""The scene module inside a task model's data preprocessor (RUAS-TPAMI §3,
docs/method.md#nested-formulation).

The nested model ``Ψt(Ψs(y))`` is built by running the RUAS scene module ``Ψs`` on the
batch inside the task's own data preprocessor, so a stock detector (or segmentor) needs
nothing but a different ``data_preprocessor``:

1. move to the device, cast to float, order the channels RGB, divide by the white level
   (255, or each image's ``max_value`` metainfo) and clamp to [0, 1]: that is ``y``;
2. ``u = Ψs(y)``: one :class:`~mmruas.scene.SceneOutput` per image size, handed forward
   for the scene loss ℓs (eq. 5): :meth:`SceneDataPreprocessorMixin.run` returns them with
   the batch (``forward`` returns the batch alone, what any task model takes);
3. multiply by the white level and order the channels as the task expects (its
   ``bgr_to_rgb`` / ``rgb_to_bgr``): the wrapper owns the channel order, so a batch is
   converted once where the task wants RGB from BGR images (twice only where the task
   wants BGR: into and out of the scene);
4. hand the result to the wrapped preprocessor (built without channel conversion), which
   normalises with its mean/std, pads with ``pad_value`` (so padded pixels and pad masks
   are exactly as without the scene module) and applies batch augmentations.

:class:`SceneDataPreprocessorMixin` is the one wrapper (it imports neither mmdet nor mmseg);
its adapters are :class:`mmruas.det.RUASDetDataPreprocessor` (mmdet's ``DetDataPreprocessor``)
and :class:`mmruas.seg.RUASSegDataPreprocessor` (mmseg's ``SegDataPreProcessor``). Images of
different sizes are never padded before the scene module: images of equal size run as one
batch, so a batch gives the same result as its images one by one.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from mmengine.structures import BaseDataElement
from torch import nn

from ..registry import build_mmruas_module
from ..scene import SceneOutput
from ..scene.checkpoints import load_scene_checkpoint

__all__ = ['SceneDataPreprocessorMixin', 'build_mmruas_module',
           'load_scene_checkpoint']

_DTYPE_MAX = {torch.uint16: 65535.0}


class SceneDataPreprocessorMixin:
    """Runs a scene module on the batch before the wrapped preprocessor's ``forward``.

    Mix in *before* a task preprocessor class (:class:`mmruas.det.RUASDetDataPreprocessor`,
    :class:`mmruas.seg.RUASSegDataPreprocessor`): ``__init__`` takes the scene's arguments
    (:meth:`init_scene`) and hands every other one to the task preprocessor.
    ``forward`` follows the data flow of docs/method.md#nested-formulation
    ``y → uᴷ = Ψs(y) → task``; see the module docstring for the exact steps.
    """

    scene: nn.Module
    freeze_scene: bool

    def __init__(self, scene: dict | nn.Module, freeze_scene: bool = False,
                 scene_checkpoint: str | None = None, max_value: float | str = 255.0,
                 bgr_to_rgb: bool = False, rgb_to_bgr: bool = False, **kwargs) -> None:
        if bgr_to_rgb and rgb_to_bgr:
            raise ValueError('bgr_to_rgb and rgb_to_bgr cannot both be True')
        super().__init__(**kwargs)  # no channel conversion there: the scene wrapper does it
        self.init_scene(scene, freeze_scene=freeze_scene, scene_checkpoint=scene_checkpoint,
                        max_value=max_value, input_bgr=not rgb_to_bgr,
                        output_bgr=not bgr_to_rgb)

    def init_scene(self, scene: dict | nn.Module, freeze_scene: bool = False,
                   scene_checkpoint: str | None = None, max_value: float | str = 255.0,
                   input_bgr: bool = True, output_bgr: bool | None = None) -> None:
        """Args:
            scene: scene module or its config (``dict(type='RUAS', variant=...)``,
                built from mmruas's registry).
            freeze_scene: no gradients for the scene, kept in eval mode.
            scene_checkpoint: local file to load the scene's weights from
                (:func:`~mmruas.scene.checkpoints.load_scene_checkpoint`).
            max_value: white level the inputs are divided by, or ``'metainfo'`` for each
                image's ``max_value`` metainfo (else 65535 for uint16, 255 otherwise).
            input_bgr: whether the images reaching the preprocessor are BGR (mmcv's
                loaders); the scene always sees RGB.
            output_bgr: whether the task preprocessor expects BGR (default: as the input).
        """
        if not (max_value == 'metainfo' or (isinstance(max_value, (int, float))
                                            and max_value > 0)):
            raise ValueError(f"max_value must be a positive number or 'metainfo', "
                             f'got {max_value!r}')
        self.scene = build_mmruas_module(scene)
        if scene_checkpoint is not None:
            load_scene_checkpoint(self.scene, scene_checkpoint)
        self.freeze_scene = bool(freeze_scene)
        self.max_value = max_value if max_value == 'metainfo' else float(max_value)
        self.input_bgr = bool(input_bgr)
        self.output_bgr = self.input_bgr if output_bgr is None else bool(output_bgr)
        if self.freeze_scene:
            self.scene.requires_grad_(False)
            self.scene.eval()

    def train(self, mode: bool = True) -> nn.Module:
        """``nn.Module.train``, but a frozen scene stays in eval mode."""
        super().train(mode)
        if self.freeze_scene:
            self.scene.eval()
        return self

    def _white_levels(self, imgs: torch.Tensor, samples: Sequence | None,
                      indices: list[int]) -> float | torch.Tensor:
        if self.max_value != 'metainfo':
            return self.max_value
        default = _DTYPE_MAX.get(imgs.dtype, 255.0)
        levels = [float(samples[i].metainfo.get('max_value', default))
                  if samples is not None and isinstance(samples[i], BaseDataElement)
                  else default for i in indices]
        if len(set(levels)) == 1:
            return levels[0]
        return torch.tensor(levels, device=imgs.device).view(-1, 1, 1, 1)

    def _run_scene_group(self, imgs: torch.Tensor, samples: Sequence | None,
                         indices: list[int]) -> tuple[SceneOutput, torch.Tensor]:
        """One N x C x H x W group: normalise to [0, 1] (RGB), run the scene, scale back.

        C is the scene's ``in_channels`` (default 3); other inputs than 3-channel images
        (BGL's packed RAW, 4 channels) are not reordered. A scene returning a plain tensor
        (e.g. :class:`~mmruas.bgl.GenerativeBlock`) is wrapped in a :class:`SceneOutput`
        with only ``output`` (and ``us``) set, so it has no scene loss ℓs.
        """
        channels = int(getattr(self.scene, 'in_channels', 3))
        if imgs.dim() != 4 or imgs.shape[1] != channels:
            raise ValueError(f'the scene module needs {channels}-channel images, got a batch '
                             f'of shape {tuple(imgs.shape)}')
        scale = self._white_levels(imgs, samples, indices)
        x = imgs.float()
        if self.input_bgr and channels == 3:
            x = x[:, [2, 1, 0], ...]
        y = (x / scale).clamp(0.0, 1.0)
        if self.freeze_scene:
            with torch.no_grad():
                out = self.scene(y)
        else:
            out = self.scene(y)
        if isinstance(out, torch.Tensor):
            out = SceneOutput(output=out, us=[out], ts=[], t_hats=[])
        out.input, out.indices = y, list(indices)
        result = out.output * scale
        return out, result[:, [2, 1, 0], ...] if self.output_bgr else result

    def run_scene(self, inputs: torch.Tensor | Sequence[torch.Tensor],
                  samples: Sequence | None = None
                  ) -> tuple[torch.Tensor | list[torch.Tensor], list[SceneOutput]]:
        """Run the scene on a stacked batch or a list of C x H x W images: the same
        structure back (float, in the input's value range and the channel order the task
        expects) and the scene outputs, one per image size."""
        if isinstance(inputs, torch.Tensor):
            if inputs.dim() != 4:
                raise ValueError('expected an N x C x H x W batch or a list of images, got '
                                 f'a tensor of shape {tuple(inputs.shape)}')
            out, result = self._run_scene_group(inputs, samples, list(range(inputs.shape[0])))
            scene_outputs = [out]
        else:
            groups: dict[tuple, list[int]] = {}
            for i, img in enumerate(inputs):
                groups.setdefault((tuple(img.shape), img.dtype), []).append(i)
            result, scene_outputs = [None] * len(inputs), []
            for indices in groups.values():
                out, group = self._run_scene_group(torch.stack([inputs[i] for i in indices]),
                                                   samples, indices)
                scene_outputs.append(out)
                for j, i in enumerate(indices):
                    result[i] = group[j]
        return result, scene_outputs

    def run(self, data: dict, training: bool = False) -> tuple[dict, list[SceneOutput]]:
        """The scene (steps 1-3), then the wrapped preprocessor (step 4): the preprocessed
        batch and the batch's scene outputs."""
        data = dict(data)
        data['inputs'], scene_outputs = self.run_scene(self.cast_data(data['inputs']),
                                                       data.get('data_samples'))
        return super().forward(data, training), scene_outputs

    def forward(self, data: dict, training: bool = False) -> dict:
        """:meth:`run` without the scene outputs: the batch any task model takes."""
        return self.run(data, training)[0]
