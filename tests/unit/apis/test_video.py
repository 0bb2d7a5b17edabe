"""mmruas.apis.enhance_video: a video round trip keeps frame count, size and frame rate."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from mmruas.apis import enhance, enhance_video, is_video
from mmruas.scene import RUAS
from tests.helpers.data import _read, _video


@pytest.mark.parametrize('ext', ['.avi', '.mp4'])
def test_round_trip(tmp_path, ext, one_thread):
    torch.manual_seed(0)
    model = RUAS('RUAS_A').eval()
    src, dst = tmp_path / 'in.avi', tmp_path / f'out{ext}'
    _video(src)
    decoded, _, _ = _read(src)
    done: list[int] = []
    assert enhance_video(model, str(src), str(dst), batch_size=4, progress=done.append) == 10
    assert done == [4, 8, 10]
    frames, fps, size = _read(dst)
    assert len(frames) == 10 and fps == pytest.approx(12.0) and size == (64, 48)
    # each frame is the enhanced input frame, up to the codec's loss
    for got, frame in zip(frames, decoded):
        want = enhance(model, frame).astype(float)
        assert np.abs(got.astype(float) - want).mean() < 8
    assert not [p for p in tmp_path.iterdir() if p.name.startswith('.')]   # no temp left


def test_refusals(tmp_path):
    model = RUAS('RUAS_S').eval()
    src = tmp_path / 'in.avi'
    _video(src, n=2)
    (tmp_path / 'out.avi').write_bytes(b'keep')
    with pytest.raises(ValueError, match='exists'):
        enhance_video(model, str(src), str(tmp_path / 'out.avi'))
    assert (tmp_path / 'out.avi').read_bytes() == b'keep'
    with pytest.raises(ValueError, match='input video'):
        enhance_video(model, str(src), str(src), overwrite=True)
    with pytest.raises(ValueError, match='unknown video extension'):
        enhance_video(model, str(src), str(tmp_path / 'out.gif'))
    (tmp_path / 'bad.avi').write_bytes(b'not a video')
    with pytest.raises(ValueError, match='bad.avi'):
        enhance_video(model, str(tmp_path / 'bad.avi'), str(tmp_path / 'o.avi'))
    assert not (tmp_path / 'o.avi').exists()
    assert is_video('a.MP4') and not is_video('a.png')
