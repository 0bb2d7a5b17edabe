"""Writing tool outputs without losing data: atomic, checked, never silently replacing.

Every file a tool writes goes to a temporary name in its own folder (``.NAME.XXXX.tmpEXT``)
and takes its final name only once complete (:func:`atomic_path`), so a kill mid-write
leaves the old file (or nothing) under the final name, never a truncated one. Without
``overwrite`` the final name is claimed with ``os.link`` (create-exclusive): when another
run created it meanwhile, this one fails instead of replacing it. With ``overwrite`` it
is ``os.replace``: an input hard-linked under the output name keeps its content (the
name is re-pointed, the input's inode is never written). Errors are :class:`ToolError`
(one line naming the file).
"""
from __future__ import annotations

import contextlib
import errno
import os
import os.path as osp
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from .cli import ToolError

__all__ = ['atomic_path', 'atomic_write_bytes', 'check_new_output', 'check_folder_creatable',
           'check_not_inputs', 'ensure_folder', 'fsync_file', 'safe_name',
           'encode_image', 'same_file', 'write_text', 'write_json', 'write_image']


def same_file(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` are one file (same inode: hard and symbolic links too)."""
    try:
        return osp.samefile(a, b)
    except OSError:
        return False


def _file_id(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino


def check_not_inputs(path: str, inputs: Iterable[str], what: str = 'output') -> None:
    """Refuse ``path`` when it names one of ``inputs``: the same absolute path, or the
    same file (``st_dev``/``st_ino``: hard and symbolic links too). Give ALL the inputs a
    tool reads (data set images and annotation files included), before anything is
    written. :class:`ToolError` names both files."""
    target = osp.abspath(path)
    ident = _file_id(path)
    for src in inputs:
        src = os.fspath(src)
        if osp.abspath(src) == target or (ident is not None and _file_id(src) == ident):
            raise ToolError(f'{path}: {what} would overwrite the input {src}')


def safe_name(name: str, default: str = '_') -> str:
    """``name`` (from data: a cell name, an image name) as a plain base name that stays
    inside the output folder: every character but letters, digits, ``-``, ``_`` and
    ``.`` becomes ``_`` (path separators included), leading dots are dropped (no ``..``,
    no hidden file) and the length is bounded; ``default`` when nothing is left."""
    clean = ''.join(c if c.isalnum() or c in '-_.' else '_' for c in str(name))
    clean = clean.lstrip('.')[:200]
    return clean or default


def check_new_output(path: str, *, overwrite: bool = False, inputs: Iterable[str] = (),
                     flag: str = '--overwrite') -> None:
    """Refuse ``path`` when it is one of ``inputs`` (any link to them), a folder, under a
    file, or an existing file while ``overwrite`` is false."""
    check_not_inputs(path, inputs)
    check_folder_creatable(osp.dirname(osp.abspath(path)), f'{path}: its folder')
    if osp.isdir(path):
        raise ToolError(f'{path}: is a folder, expected a file name')
    if osp.lexists(path) and not overwrite:
        raise ToolError(f'{path}: exists; refusing to replace it (give {flag} to replace it)')


def check_folder_creatable(path: str, what: str = 'output folder') -> None:
    """Refuse a folder that cannot be made: a part of ``path`` is a file, not a folder."""
    parent = osp.abspath(path)
    while not osp.exists(parent) and osp.dirname(parent) != parent:
        parent = osp.dirname(parent)
    if not osp.isdir(parent):
        raise ToolError(f'{what} {path}: cannot be created, {parent} is a file, not a folder')


def ensure_folder(path: str, what: str = 'output folder') -> str:
    """Create folder ``path`` (and parents); one-line errors. Returns its real path."""
    try:
        os.makedirs(path, exist_ok=True)
    except FileExistsError:
        raise ToolError(f'{what} {path}: exists and is not a folder') from None
    except NotADirectoryError:
        raise ToolError(f'{what} {path}: cannot be created, a part of it is a file') from None
    except OSError as exc:
        raise ToolError(f'{what} {path}: cannot be created ({exc.strerror or exc})') from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise ToolError(f'{what} {path}: not writable')
    return osp.realpath(path)


def _claim(tmp: str, path: str, overwrite: bool) -> None:
    """Give the complete file ``tmp`` the name ``path`` (see the module docstring)."""
    if overwrite:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)              # fails if path exists: never replaces another file
    except FileExistsError:
        raise ToolError(f'{path}: was created by someone else meanwhile; not replaced '
                        '(give --overwrite to replace it)') from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK,
                             getattr(errno, 'EOPNOTSUPP', errno.ENOTSUP)):
            raise
        try:                            # a file system without hard links: O_EXCL claim
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        except FileExistsError:
            raise ToolError(f'{path}: was created by someone else meanwhile; not '
                            'replaced (give --overwrite to replace it)') from None
        os.replace(tmp, path)
        return
    os.unlink(tmp)


def _umask() -> int:
    """The process's umask (Linux: read from /proc, so no other thread sees it changed)."""
    try:
        with open('/proc/self/status', encoding='ascii') as f:
            for line in f:
                if line.startswith('Umask:'):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def fsync_file(path: str) -> None:
    """Flush ``path``'s data to disk (before it is renamed into place)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path: str, *, overwrite: bool = False) -> Iterator[str]:
    """Yield a temporary path next to ``path`` (same extension); when the block ends
    without an exception, the (synced) file takes the name ``path``; otherwise it is
    removed. ``OSError`` while writing becomes :class:`ToolError` naming ``path``. The
    file gets the mode a plain ``open()`` would give (``0666 & ~umask``)."""
    folder, name = osp.split(osp.abspath(path))
    ext = osp.splitext(name)[1]
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f'.{name}.', suffix=f'.tmp{ext}')
    except OSError as exc:
        raise ToolError(f'{path}: cannot write ({exc.strerror or exc})') from None
    try:
        os.fchmod(fd, 0o666 & ~_umask())    # mkstemp's 0600: give the mode open() would
    except OSError:
        pass
    os.close(fd)
    try:
        yield tmp
        fsync_file(tmp)
        _claim(tmp, path, overwrite)
    except OSError as exc:
        raise ToolError(f'{path}: cannot write ({exc.strerror or exc})') from None
    finally:
        if osp.lexists(tmp):
            os.unlink(tmp)


def atomic_write_bytes(path: str, data: bytes, *, overwrite: bool = False) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_path`)."""
    with atomic_path(path, overwrite=overwrite) as tmp, open(tmp, 'wb') as f:
        f.write(data)


def encode_image(path: str, img: np.ndarray) -> bytes:
    """``img`` encoded in the format of ``path``'s extension; ToolError when it fails."""
    ext = osp.splitext(path)[1] or '.png'
    import cv2
    try:
        ok, buf = cv2.imencode(ext, img)
    except cv2.error as exc:
        raise ToolError(f'{path}: cannot encode image ({str(exc).strip()[:120]})') from None
    if not ok:
        raise ToolError(f'{path}: cannot encode image')
    return buf.tobytes()


def write_text(path: str, text: str, *, overwrite: bool = False) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically (see :func:`atomic_path`)."""
    atomic_write_bytes(path, text.encode('utf-8'), overwrite=overwrite)


def write_json(path: str, obj: Any, *, overwrite: bool = False) -> None:
    """Write ``obj`` as indented JSON to ``path`` atomically."""
    import json
    write_text(path, json.dumps(obj, indent=2), overwrite=overwrite)


def write_image(path: str, img: np.ndarray, *, overwrite: bool = False) -> None:
    """Encode ``img`` in ``path``'s format and write it atomically; ToolError on failure."""
    atomic_write_bytes(path, encode_image(path, img), overwrite=overwrite)
