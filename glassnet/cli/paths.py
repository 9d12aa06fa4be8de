"""The files and folders the command writes, checked before any data is read or any training.

A run folder ``<out>/<date-time>-<name>`` is always new and always inside ``--out``. A
file named by ``--out`` / ``--onnx`` is written only if it does not exist yet, or with
``--force``; never over one of the command's own inputs (the model, the data), not even
with ``--force``.
"""

from __future__ import annotations

import os
from pathlib import Path

from glassnet._files import probe_writable
from glassnet.cli.settings import UsageError

__all__ = ["check_given", "check_out_folder", "check_output_file"]


def check_given(paths: dict[str, str | None]) -> None:
    """Refuse an empty path (pathlib would take it for the current folder), by option.

    Raises
    ------
    UsageError
        Naming the first option given as an empty text.
    """
    for option, path in paths.items():
        if path is not None and not path.strip():
            raise UsageError(f"{option} is empty ({path!r}); give the path of a file")

def check_out_folder(out: str) -> Path:
    """Check that the run folder can be made in ``--out`` (which is created with it, at the
    end of the run): nothing is created now, so a run refused later leaves no trace.

    Raises
    ------
    UsageError
        When ``out`` is a file, lies under a file, or cannot be created or written.
    """
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--out {out!r} is a file; give a folder in which run folders are made "
                         "(it is created if needed)")
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(f"--out {out!r} cannot be made: {str(existing)!r} is a file; give a folder")
    try:
        probe_writable(existing)
    except OSError as err:
        raise UsageError(f"--out {out!r} cannot be used: {str(existing)!r} cannot be written "
                         f"({err.strerror or err}); give a writable folder") from None
    return folder


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def check_output_file(option: str, path: str, force: bool, inputs: dict[str, str]) -> Path:
    """Check, before anything is computed, that ``path`` may be written.

    Parameters
    ----------
    option : str
        The option that names the file ("--out"), for the messages.
    path : str
    force : bool
        Whether an existing file may be replaced.
    inputs : dict
        The command's input files by option ("MODEL", "--data"): never overwritten.

    Raises
    ------
    UsageError
        When ``path`` is one of the inputs, a folder, an existing file without ``force``,
        or in a folder that does not exist or cannot be written.
    """
    target = Path(path)
    for name, source in inputs.items():
        if source and _same_file(target, Path(source)):
            raise UsageError(f"{option} {path!r} is the {name} file this command reads; write to another "
                             "file")
    if target.is_dir():
        raise UsageError(f"{option} {path!r} is a folder; give the name of the file to write")
    if target.exists() and not force:
        raise UsageError(f"{option} {path!r} exists already; give another name, or add --force to replace it")
    folder = target.parent
    if not folder.is_dir():
        raise UsageError(f"{option} {path!r}: the folder {str(folder)!r} does not exist; create it first")
    if not os.access(folder, os.W_OK | os.X_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise UsageError(f"{option} {path!r} cannot be written (no permission); choose another place")
    return target
