"""An ensemble's file: one ``.safetensors`` file holding every member's model file.

Layout (the safetensors format, as for a single model: see :mod:`glassnet.io.serialize`)::

    tensors    "member_<i>"        uint8: the bytes of member i's model file (gn.save), read
                                   back by gn.load with all of its checks
               "training_ranges"   float64 (2, n_columns): each input column's [min, max] in
                                   training (absent when the ensemble was fitted on a table)
    metadata   format = "glassnet-ensemble", format_version, glassnet_version,
               ensemble (JSON: class, member seeds, training histories),
               sha256 (of every other metadata text and every tensor)

Reading never runs code nor unpickles: the header is checked before any array is read
and the checksum before anything is used.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from glassnet._files import check_readable, check_writable, write_atomic
from glassnet.io import ModelFileError, _header, model_file

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "write", "read"]

FORMAT_NAME = "glassnet-ensemble"
FORMAT_VERSION = 1
_TAG = "glassnet ensemble file, format 1\n"
_RANGES = "training_ranges"


def _member_name(i: int) -> str:
    return f"member_{i}"


def write(path: str | os.PathLike, members: list[bytes], ranges: np.ndarray | None,
          description: dict[str, Any]) -> Path:
    """Write the members' model-file bytes, the training ranges and the description."""
    from safetensors.numpy import save as to_bytes

    from glassnet import __version__

    target = check_writable(path, "ensemble file")
    tensors = {_member_name(i): np.frombuffer(data, dtype=np.uint8) for i, data in enumerate(members)}
    if ranges is not None:
        tensors[_RANGES] = np.ascontiguousarray(ranges, dtype=np.float64)
    metadata = {"format": FORMAT_NAME, "format_version": str(FORMAT_VERSION), "glassnet_version": __version__,
                "ensemble": json.dumps(description, allow_nan=False, sort_keys=True)}
    metadata["sha256"] = _header.checksum(metadata, tensors, _TAG)
    write_atomic(target, to_bytes(tensors, metadata=metadata))
    return target


def _check_format(path: Path, meta: dict[str, str]) -> None:
    if meta.get("format") == "glassnet":
        raise ModelFileError(f"{path} holds a single glassnet model, not an ensemble; load it with "
                             "gn.load(path)")
    if meta.get("format") != FORMAT_NAME:
        raise ModelFileError(f"{path} is not a glassnet ensemble file (no 'format: {FORMAT_NAME}' in its "
                             "metadata); ensemble files are written by DeepEnsemble.save")
    if meta.get("format_version") != str(FORMAT_VERSION):
        version = str(meta.get("format_version"))[:20]
        raise ModelFileError(f"{path} is an ensemble file of format version {version!r}; this glassnet reads "
                             f"version {FORMAT_VERSION}. Upgrade glassnet or save the ensemble again")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _description_problem(description: Any) -> str | None:
    """What is wrong with an ensemble section read from a file, or None."""
    if not isinstance(description, dict):
        return "not a JSON object"
    count = description.get("n_members")
    if not _is_int(count) or count < 2:
        return f"n_members {count!r} is not an integer >= 2"
    seed = description.get("seed")
    if seed is not None and not _is_int(seed):
        return f"seed {seed!r} is not an integer"
    seeds = description.get("member_seeds", [])
    if not isinstance(seeds, list) or not all(_is_int(s) for s in seeds):
        return "member_seeds is not a list of integers"
    histories = description.get("histories", [])
    if not isinstance(histories, list) or not all(isinstance(h, dict) for h in histories):
        return "histories is not a list of objects"
    return None


def read(path: str | os.PathLike) -> tuple[list[bytes], np.ndarray | None, dict[str, Any]]:
    """(members' model-file bytes, training ranges or None, description) of an ensemble file."""
    target = check_readable(path, "ensemble file")
    damaged = model_file.damaged(target, "ensemble")
    header = _header.read_header(target, damaged)
    _check_format(target, header.metadata)
    tensors = _header.read_arrays(target, damaged)
    if header.metadata.get("sha256") != _header.checksum(header.metadata, tensors, _TAG):
        raise damaged("its members or description do not match the checksum written with them (corrupted "
                      "or edited)")
    description = _header.parse_json(header.metadata.get("ensemble", ""), "ensemble section", damaged)
    problem = _description_problem(description)
    if problem:
        raise damaged(f"its ensemble section is malformed: {problem}")
    count = description["n_members"]
    names = {_member_name(i) for i in range(count)}
    if set(tensors) - {_RANGES} != names:
        raise damaged("its members do not match the number its description gives")
    if any(tensors[name].dtype != np.uint8 or tensors[name].ndim != 1 for name in names):
        raise damaged("a member is not stored as the bytes of a model file")
    ranges = tensors.get(_RANGES)
    if ranges is not None and (ranges.dtype != np.float64 or ranges.ndim != 2 or ranges.shape[0] != 2):
        raise damaged("its training ranges are not a (2, n_columns) float64 array")
    return [tensors[_member_name(i)].tobytes() for i in range(count)], ranges, description
