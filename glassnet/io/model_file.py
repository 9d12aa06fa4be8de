"""The layout of a model file and the checks made when one is read.

See :mod:`glassnet.io.serialize` for the layout. Reading goes: :func:`open_file` (the
path, the safetensors header, the format and its version; no array read), then
:func:`verified_arrays` (the arrays, once the checksum agrees; finite values), then
:func:`sections` (the JSON sections, each depth-checked before it is parsed).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import numpy as np

from glassnet._files import check_readable
from glassnet.io import _header
from glassnet.io.config import ModelFileError

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "TAG", "WEIGHTS", "PREPROCESSING", "checksum", "checksum_v1",
           "damaged", "format_version", "sections", "open_file", "verified_arrays", "read_metadata",
           "declared_weights"]

FORMAT_NAME = "glassnet"
#: Raised whenever the layout changes; files with a higher number are refused.
FORMAT_VERSION = 2
#: Prefixes the checksum of format 2, so that no other file's checksum can pass for it.
TAG = "glassnet model file, format 2\n"
WEIGHTS, PREPROCESSING = "weights/", "preprocessing/"
_SECTIONS = ("architecture", "compile", "preprocessing", "info")
_KEYS = {"format", "format_version", "glassnet_version", "kind", "sha256", *_SECTIONS}

PathLike = str | os.PathLike


def checksum(metadata: dict[str, str], tensors: dict[str, np.ndarray]) -> str:
    """The checksum of format 2: every metadata text but itself, and every tensor."""
    return _header.checksum(metadata, tensors, TAG)


def checksum_v1(tensors: dict[str, np.ndarray]) -> str:
    """The checksum of format 1: the tensors only."""
    digest = hashlib.sha256()
    for name in sorted(tensors):
        array = np.ascontiguousarray(tensors[name])
        digest.update(f"{name}|{array.dtype.str}|{array.shape}|".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def damaged(path: Path, what: str = "model") -> Any:
    """The error factory for ``path``: ``damaged(path)(problem)`` is a ModelFileError.

    ``what`` names the file's content ("model", or "ensemble" for an ensemble file).
    """
    def error(problem: str) -> ModelFileError:
        return ModelFileError(f"{path} is not a readable {what} file: {problem}. Save the {what} again, or "
                              "copy the file again if it was transferred")
    return error


def format_version(path: Path, meta: dict[str, str]) -> int:
    """The format version of a glassnet model file's metadata (1 or 2); refuses others."""
    from glassnet import __version__

    if meta.get("format") != FORMAT_NAME:
        raise ModelFileError(
            f"{path} is a safetensors file but not a glassnet model (no 'format: glassnet' in its "
            "metadata); glassnet reads files written by gn.save or model.save_weights"
        )
    text = meta.get("format_version", "")
    if not text.isdigit() or len(text) > 4:
        raise damaged(path)(f"its format_version {text[:20]!r} is not a number")
    version = int(text)
    if version > FORMAT_VERSION or version < 1:
        raise ModelFileError(
            f"{path} was written by glassnet {meta.get('glassnet_version', '?')[:20]} in model-file format "
            f"version {version}; this glassnet ({__version__}) reads format versions 1 to {FORMAT_VERSION}. "
            "Upgrade glassnet (pip install -U glassnet) or save the model again with this version"
        )
    return version


def sections(path: Path, meta: dict[str, str], version: int) -> dict[str, Any]:
    """The metadata with the JSON sections parsed (each depth-checked first)."""
    unknown = sorted(set(meta) - _KEYS)
    if unknown and version >= 2:
        raise damaged(path)(f"its metadata has fields this glassnet does not read: {unknown[:5]}")
    if meta.get("kind") not in ("model", "weights"):
        raise damaged(path)(f"its kind {meta.get('kind', '')[:20]!r} is neither 'model' nor 'weights'")
    out: dict[str, Any] = dict(meta)
    for key in _SECTIONS:
        if key in meta:
            out[key] = _header.parse_json(meta[key], f"{key} section", damaged(path))
    if not isinstance(out.get("info", {}), dict):
        raise damaged(path)("its info section is not a JSON object")
    return out


def open_file(path: PathLike) -> tuple[Path, _header.Header, int]:
    """The checked header of a model file and its format version (no array read)."""
    target = check_readable(path)
    header = _header.read_header(target, damaged(target))
    return target, header, format_version(target, header.metadata)


def verified_arrays(path: Path, header: _header.Header, version: int) -> dict[str, np.ndarray]:
    """The arrays, once the checksum (metadata and tensors; tensors only in format 1) agrees."""
    meta = header.metadata
    tensors = _header.read_arrays(path, damaged(path))
    expected = checksum_v1(tensors) if version == 1 else checksum(meta, tensors)
    if meta.get("sha256") != expected:
        covered = "arrays" if version == 1 else "architecture, settings or arrays"
        raise damaged(path)(f"its {covered} do not match the checksum written with them (corrupted or "
                             "edited)")
    for name, array in tensors.items():
        if not name.startswith((WEIGHTS, PREPROCESSING)):
            raise damaged(path)(f"it holds a tensor {name!r} that is neither weights nor preprocessing")
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            raise damaged(path)(f"tensor {name!r} holds NaN or infinite values")
    return tensors


def read_metadata(path: PathLike) -> dict[str, Any]:
    """The metadata of a model file (JSON sections parsed), once its checksum is verified.

    Parameters
    ----------
    path : str or os.PathLike
        The model file.

    Returns
    -------
    dict
        Its sections: architecture, compile settings, info, ...

    Raises
    ------
    FileNotFoundError, IsADirectoryError, ModelFileError

    Examples
    --------
    >>> import os, tempfile
    >>> model = gn.Sequential([gn.layers.Dense(1, input_dim=2)], seed=0)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = gn.save(model, os.path.join(folder, "model.safetensors"), info={"target": "price"})
    ...     metadata = gn.io.read_metadata(path)
    ...
    >>> metadata["info"]
    {'target': 'price'}
    """
    target, header, version = open_file(path)
    verified_arrays(target, header, version)
    return sections(target, header.metadata, version)


def declared_weights(header: _header.Header) -> dict[str, tuple[str, tuple[int, ...]]]:
    """The weights a header lists: ``state_dict`` name -> (safetensors dtype, shape)."""
    return {name[len(WEIGHTS):]: entry for name, entry in header.tensors.items()
            if name.startswith(WEIGHTS)}
