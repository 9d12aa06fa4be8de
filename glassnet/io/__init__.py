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

    Parameters
    ----------
    model : Sequential or functional Model
        A built model.
    path : str or os.PathLike
        The file to write.
    opset : int, optional
        The ONNX opset, 13 to 28 (17 when None).

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import os, tempfile
    >>> model = gn.Sequential([gn.layers.Dense(1, input_dim=2)], seed=0)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = gn.io.export_onnx(model, os.path.join(folder, "model.onnx"))
    ...     print(path.name, path.stat().st_size > 0)
    ...
    model.onnx True
    """
    from glassnet.io.onnx import DEFAULT_OPSET, export

    return export(model, path, opset=DEFAULT_OPSET if opset is None else opset)
