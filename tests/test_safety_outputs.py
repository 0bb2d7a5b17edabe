"""Issue 20 (one output path): verified video writes, outputs checked against every input
by inode, data-derived names kept inside the output folder, lol5_table's exclusive claim,
plot_alpha's malformed histories, the umask's mode, and the Python API's ValueErrors."""
from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from mmruas.utils.cli import ToolError
from mmruas.utils.safe_io import atomic_write_bytes, check_not_inputs, safe_name


def test_check_not_inputs_by_inode(tmp_path: Path) -> None:
    """20.2's helper: a hard or symbolic link to an input under the output name is refused."""
    src = tmp_path / 'a.png'
    src.write_bytes(b'x')
    os.link(src, tmp_path / 'hard.png')
    os.symlink(src, tmp_path / 'soft.png')
    for out in ('a.png', 'hard.png', 'soft.png'):
        with pytest.raises(ToolError, match='would overwrite the input'):
            check_not_inputs(str(tmp_path / out), [str(src)])
    check_not_inputs(str(tmp_path / 'new.png'), [str(src)])


@pytest.mark.parametrize('name', ['/abs/cell', '../../up', '..', '.hidden', 'a/b\\c', ''])
def test_safe_name_stays_inside(tmp_path: Path, name: str) -> None:
    """20.3's helper: an absolute name, ``..`` or separators never leave the folder."""
    out = safe_name(name)
    assert out and '/' not in out and '\\' not in out and not out.startswith('.')
    assert (tmp_path / out).resolve().parent == tmp_path.resolve()


def test_written_files_get_the_umask_mode(tmp_path: Path) -> None:
    """20 minor: the temp-file writer left mode 0600 whatever the umask."""
    old = os.umask(0o022)
    try:
        atomic_write_bytes(str(tmp_path / 'a.bin'), b'x')
        os.umask(0o077)
        atomic_write_bytes(str(tmp_path / 'b.bin'), b'x')
    finally:
        os.umask(old)
    assert (tmp_path / 'a.bin').stat().st_mode & 0o777 == 0o644
    assert (tmp_path / 'b.bin').stat().st_mode & 0o777 == 0o600


def enospc(*_a, **_k):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
