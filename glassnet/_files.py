"""The paths glassnet reads and writes (model files, checkpoints, tables): checked up
front, written atomically.

A path given to ``gn.save``, ``save_weights``, ``export_onnx`` (or read by ``gn.load``)
is checked before any work is done, with an error that names the argument and the
problem: not a path, a folder, a parent that cannot be created or written. A file is
written to a temporary file in the target folder, flushed to disk and renamed over the
target, so a failure leaves the old file (or none), never a partial one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["as_path", "atomic_write", "check_readable", "check_writable", "probe_writable", "write_atomic"]


def as_path(path: Any, argument: str = "path") -> Path:
    """``path`` as a Path; a TypeError for anything but a str or os.PathLike, a ValueError
    for an empty one."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{argument} must be a str or os.PathLike (a file path), got {type(path).__name__} "
                        f"{path!r}")
    text = os.fspath(path)
    if not isinstance(text, str):
        raise TypeError(f"{argument} must be a text path, got {type(text).__name__} {text!r}")
    if not text.strip():
        raise ValueError(f"{argument} is empty; give the path of a file")
    return Path(text)


def check_readable(path: Any, what: str = "model file", argument: str = "path") -> Path:
    """The path of an existing regular file, or FileNotFoundError / IsADirectoryError /
    ValueError saying what is wrong."""
    target = as_path(path, argument)
    if target.is_dir():
        raise IsADirectoryError(f"{argument} {str(target)!r} is a folder; give the {what} inside it")
    if not target.exists():
        raise FileNotFoundError(f"{what} {str(target)!r} does not exist; check the path ({argument})")
    if not target.is_file():
        raise ValueError(f"{argument} {str(target)!r} is not a regular file; give the path of a {what}")
    return target


def check_writable(path: Any, what: str = "model file", argument: str = "path") -> Path:
    """The path of a file that can be written: not a folder, its folder created if missing
    and writable. Raises IsADirectoryError, NotADirectoryError or PermissionError (naming
    the folder), TypeError or ValueError for a malformed path."""
    target = as_path(path, argument)
    if target.is_dir():
        raise IsADirectoryError(f"{argument} {str(target)!r} is a folder; give a file name inside it for the "
                                f"{what}")
    if target.exists() and not target.is_file():
        raise ValueError(f"{argument} {str(target)!r} exists and is not a regular file; choose another path "
                         f"for the {what}")
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise NotADirectoryError(f"cannot write the {what} {str(target)!r}: a part of its folder "
                                 f"{str(folder)!r} is a file, not a folder") from None
    except OSError as err:
        raise PermissionError(f"cannot write the {what} {str(target)!r}: its folder {str(folder)!r} cannot "
                              f"be created ({err.strerror or err}); choose a writable folder") from None
    try:
        probe_writable(folder)
    except OSError as err:
        raise PermissionError(f"cannot write the {what} {str(target)!r}: the folder {str(folder)!r} is not "
                              f"writable ({err.strerror or err}); choose a writable folder") from None
    return target


def probe_writable(folder: str | os.PathLike[str]) -> None:
    """Create and remove a temporary file in ``folder``; the OSError if that cannot be done."""
    with tempfile.TemporaryFile(dir=folder):
        pass


def atomic_write(path: str | os.PathLike[str], write: Callable[[str], None]) -> None:
    """Call ``write(temporary_path)`` for a temporary file next to ``path``, fsync it, then
    rename it over ``path`` and make the rename durable.

    If ``write`` (or anything before the rename) fails, the temporary file is removed and
    ``path`` is left as it was.
    """
    target = Path(path)
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(handle)
    try:
        write(temp)
        with open(temp, "rb+") as stream:
            os.fsync(stream.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    _fsync_folder(target.parent)


def write_atomic(path: str | os.PathLike[str], payload: bytes) -> None:
    """Write ``payload`` to ``path`` atomically (:func:`atomic_write`)."""
    atomic_write(path, lambda temp: Path(temp).write_bytes(payload))


def _fsync_folder(folder: Path) -> None:
    """Make a rename durable (POSIX); a no-op where folders cannot be opened."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
