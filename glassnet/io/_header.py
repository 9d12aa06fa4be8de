"""Reading a safetensors file without trusting it: the header, its JSON, the checksum.

Everything here is shared by the model files (:mod:`glassnet.io.serialize`) and the
training backups (:mod:`glassnet.training.checkpoint`). A file is checked in this order,
each step bounded by the size of the file: the 8-byte header length against
:data:`MAX_HEADER_BYTES` and the file size; the nesting depth of the header's JSON (a
linear scan, so that a deeply nested header cannot exhaust the parser's recursion); the
header's fields (every tensor's dtype, shape and offsets); only then the arrays, whose
checksum covers the metadata as well as every tensor's name, dtype, shape and bytes.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["MAX_HEADER_BYTES", "MAX_JSON_DEPTH", "Header", "read_header", "parse_json", "checksum",
           "read_arrays"]

#: The largest header read: a bigger claim means a damaged file or not a glassnet one.
MAX_HEADER_BYTES = 16 * 2**20
#: The deepest nesting of lists and objects accepted in a header's JSON (model files use 8).
MAX_JSON_DEPTH = 64
_ITEMSIZE = {"F16": 2, "F32": 4, "F64": 8, "I8": 1, "I16": 2, "I32": 4, "I64": 8, "U8": 1, "BOOL": 1}
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")

#: Builds the error for a file: ``damaged(problem)`` -> an exception to raise.
Damaged = Callable[[str], Exception]


class Header:
    """The checked header of a safetensors file: its metadata (text to text) and the
    declared ``(dtype, shape)`` of every tensor, by name."""

    def __init__(self, metadata: dict[str, str], tensors: dict[str, tuple[str, tuple[int, ...]]]) -> None:
        self.metadata = metadata
        self.tensors = tensors


def json_depth(text: str) -> int:
    """The deepest nesting of ``[`` and ``{`` in a JSON text (strings skipped): one linear scan."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub("", text)):
        depth += 1 if match.group() in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def parse_json(text: str, what: str, damaged: Damaged, constants: bool = False) -> Any:
    """``json.loads(text)``, refusing (with ``damaged``) invalid JSON, nesting deeper than
    :data:`MAX_JSON_DEPTH` before the recursive parser sees it, a key repeated in one
    object (readers disagree on which one counts), and NaN/Infinity unless ``constants``."""
    depth = json_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise damaged(f"its {what} nests {depth} levels deep, more than the {MAX_JSON_DEPTH} allowed "
                      "(crafted or corrupted)")

    def refuse_constant(name: str) -> Any:
        raise ValueError(f"{name} is not a number JSON allows")

    def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out = dict(pairs)
        if len(out) != len(pairs):
            repeated = sorted(k for k, n in Counter(k for k, _ in pairs).items() if n > 1)
            raise ValueError(f"the key(s) {repeated[:5]} appear twice in one object")
        return out

    try:
        return json.loads(text, parse_constant=None if constants else refuse_constant,
                          object_pairs_hook=unique_keys)
    except (json.JSONDecodeError, ValueError, RecursionError) as err:
        raise damaged(f"its {what} is not valid JSON ({err}; corrupted)") from None


def _open_header(path: Path, damaged: Damaged) -> tuple[str, int]:
    """The header's text and the number of bytes of array data after it."""
    size = path.stat().st_size
    with path.open("rb") as stream:
        prefix = stream.read(8)
        if len(prefix) < 8:
            raise damaged(f"it holds {size} bytes, fewer than a header needs (truncated)")
        (length,) = struct.unpack("<Q", prefix)
        if length > MAX_HEADER_BYTES:
            raise damaged(f"its header claims {length:,} bytes, more than the {MAX_HEADER_BYTES:,} "
                          "allowed (oversized header: the file is damaged or not safetensors)")
        if 8 + length > size:
            raise damaged(f"its header claims {length:,} bytes but the file ends after {size - 8:,} "
                          "(truncated)")
        raw = stream.read(length)
    try:
        return raw.decode("utf-8"), size - 8 - length
    except UnicodeDecodeError as err:
        raise damaged(f"its header is not valid UTF-8 text ({err}; corrupted)") from None


def _is_size(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _tensor_entry(name: str, entry: Any, damaged: Damaged) -> tuple[str, tuple[int, ...], int, int]:
    """(dtype, shape, start, stop) of one tensor's header entry, every field checked."""
    ok = isinstance(entry, dict) and set(entry) == {"dtype", "shape", "data_offsets"} and \
        entry["dtype"] in _ITEMSIZE and isinstance(entry["shape"], list) and \
        all(_is_size(n) for n in entry["shape"]) and isinstance(entry["data_offsets"], list) and \
        len(entry["data_offsets"]) == 2 and all(_is_size(n) for n in entry["data_offsets"])
    if not ok:
        raise damaged(f"the header entry of tensor {name!r} is malformed (corrupted)")
    shape = tuple(entry["shape"])
    start, stop = entry["data_offsets"]
    if stop - start != int(np.prod(shape, dtype=object)) * _ITEMSIZE[entry["dtype"]]:
        raise damaged(f"tensor {name!r} has inconsistent offsets (corrupted)")
    return entry["dtype"], shape, start, stop


def read_header(path: Path, damaged: Damaged) -> Header:
    """Read and check the header of the safetensors file at ``path`` (no array is read).

    Raises
    ------
    Whatever ``damaged(problem)`` returns, for any inconsistency.
    """
    text, data_size = _open_header(path, damaged)
    header = parse_json(text, "header", damaged)
    if not isinstance(header, dict):
        raise damaged("its header is not a JSON object (corrupted)")
    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise damaged("its metadata is not a JSON object of texts (corrupted)")
    tensors, spans = {}, []
    for name, entry in header.items():
        dtype, shape, start, stop = _tensor_entry(name, entry, damaged)
        tensors[name] = (dtype, shape)
        spans.append((start, stop))
    end = 0
    for start, stop in sorted(spans):
        if start != end:
            raise damaged("the tensors' data overlap or leave gaps (corrupted)")
        end = stop
    if end > data_size:
        raise damaged(f"the tensors need {end:,} bytes of data but the file holds {data_size:,} (truncated)")
    if end < data_size:
        raise damaged(f"{data_size - end:,} bytes follow the last tensor (corrupted or appended to)")
    return Header(metadata, tensors)


def checksum(metadata: Mapping[str, str], tensors: Mapping[str, np.ndarray], tag: str) -> str:
    """SHA-256 of the metadata texts (all but ``sha256`` itself, by sorted key) and of every
    tensor's name, dtype, shape and bytes (by sorted name), each field length-prefixed."""
    digest = hashlib.sha256(tag.encode())

    def field(text: str) -> None:
        data = text.encode("utf-8")
        digest.update(f"{len(data)}:".encode() + data)

    for key in sorted(k for k in metadata if k != "sha256"):
        field(key)
        field(metadata[key])
    for name in sorted(tensors):
        array = np.ascontiguousarray(tensors[name])
        field(name)
        field(f"{array.dtype.str}{array.shape}")
        digest.update(array.tobytes())
    return digest.hexdigest()


def read_arrays(path: Path, damaged: Damaged) -> dict[str, np.ndarray]:
    """Every array of a file whose header :func:`read_header` accepted."""
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    try:
        return load_file(str(path))
    except (SafetensorError, ValueError, OSError) as err:
        raise damaged(f"its arrays cannot be read ({err})") from None
