"""Saving and loading models (safetensors + JSON, never pickle) and exporting them to ONNX.

- :func:`save` / :func:`load`: one ``.safetensors`` file with the weights, the architecture,
  the compile settings and the preprocessing; ``gn.save`` and ``gn.load`` are these.
- :func:`save_weights` / :func:`load_weights`: the weights alone (``model.save_weights``).
- :func:`export_onnx`: the network as an ONNX graph (needs the ``onnx`` extra).
- :class:`TabularPreprocessor`: the fitted column preprocessing a model trained on a table
  carries, with the training range of every input.
"""

from __future__ import annotations

import os
from typing import Any

from glassnet.io.config import ModelFileError
from glassnet.io.serialize import (
    FORMAT_VERSION,
    load,
    load_weights,
    read_metadata,
    save,
    save_weights,
)
from glassnet.io.tabular import ExtrapolationWarning, TabularPreprocessor

__all__ = [
    "save", "load", "save_weights", "load_weights", "read_metadata", "export_onnx",
    "ModelFileError", "FORMAT_VERSION", "TabularPreprocessor", "ExtrapolationWarning",
]


def export_onnx(model: Any, path: str | os.PathLike, opset: int | None = None) -> Any:
    """Write ``model`` as an ONNX graph; see :func:`glassnet.io.onnx.export`.

    ``opset`` (default 17) runs from 13 to 28; onnx is imported only here, so ``import
    glassnet`` does not need it.
    """
    from glassnet.io.onnx import DEFAULT_OPSET, export

    return export(model, path, opset=DEFAULT_OPSET if opset is None else opset)
