"""A model as the bytes of its model file (:func:`glassnet.save`) and back (:func:`glassnet.load`).

Ensemble members travel between processes and live inside an ensemble's file in this
form: plain bytes, read back with every check a model file gets (checksum, allow-listed
layer types, weights against the architecture), never unpickled.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from glassnet import io

__all__ = ["to_bytes", "from_bytes"]

_NAME = "member.safetensors"


def to_bytes(model: Any) -> bytes:
    """The bytes of ``model``'s file as :func:`glassnet.save` writes it."""
    with tempfile.TemporaryDirectory(prefix="glassnet-") as folder:
        path = Path(folder) / _NAME
        io.save(model, path)
        return path.read_bytes()


def from_bytes(data: bytes) -> Any:
    """The model of a model file's bytes, as :func:`glassnet.load` reads it."""
    with tempfile.TemporaryDirectory(prefix="glassnet-") as folder:
        path = Path(folder) / _NAME
        path.write_bytes(data)
        return io.load(path)
