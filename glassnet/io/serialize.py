"""Model files: one ``.safetensors`` file holding the weights and, as JSON in its metadata,
the architecture, the compile settings, the preprocessing and what the model was trained on.

Layout of a file (the safetensors format: an 8-byte little-endian header length, a JSON
header, then the raw arrays)::

    tensors    "weights/<parameter or buffer name>"   the model's float type (float32 or float64)
               "preprocessing/<array name>"          fitted scaler statistics (float64)
    metadata   format = "glassnet", format_version, glassnet_version, kind ("model" or
               "weights"), architecture, compile, preprocessing, info (JSON texts),
               sha256 (of every other metadata text and every tensor's name, dtype,
               shape and bytes: everything that determines the predictions)

Reading never runs code and never unpickles: the header is checked (size, nesting depth,
JSON, offsets) before any array is read, the checksum before any section is used, layer
types go through an allow-list, and the weights the architecture declares are compared
with the stored tensors before any layer is built. Writing is atomic: a temporary file in
the target folder, then a rename.

Format version 1 (glassnet 0.1) had a checksum of the tensors only: its architecture and
settings cannot be verified, so :func:`load` refuses such a file unless told to trust it
(``gn.load(path, trust_format_1=True)``, then ``gn.save`` to re-save it).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from glassnet._files import check_writable, write_atomic
from glassnet.io.compile_settings import compile_config, restore_compile
from glassnet.io.config import ModelFileError, model_from_config, model_to_config
from glassnet.io.model_file import (
    FORMAT_NAME,
    FORMAT_VERSION,
    PREPROCESSING,
    WEIGHTS,
    checksum,
    declared_weights,
    open_file,
    read_metadata,
    sections,
    verified_arrays,
)
from glassnet.models import Model

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "save", "load", "save_weights", "load_weights", "read_metadata"]

PathLike = str | os.PathLike


# ---------------------------------------------------------------------------- writing
def _write(path: Path, tensors: dict[str, np.ndarray], sections: dict[str, Any], kind: str) -> Path:
    from safetensors.numpy import save as _to_bytes

    from glassnet import __version__

    tensors = {name: np.ascontiguousarray(a) for name, a in tensors.items()}
    metadata = {"format": FORMAT_NAME, "format_version": str(FORMAT_VERSION),
                "glassnet_version": __version__, "kind": kind}
    for key, value in sections.items():
        if value is not None:
            metadata[key] = json.dumps(value, allow_nan=False, sort_keys=True)
    metadata["sha256"] = checksum(metadata, tensors)
    write_atomic(path, _to_bytes(tensors, metadata=metadata))
    return path


def _weights(model: Model) -> dict[str, np.ndarray]:
    if not model.built:
        raise ValueError(
            f"model {model.name!r} has no weights yet: fit it, or build it (model.build(input_shape)), "
            "before saving"
        )
    state = model.state_dict()
    bad = [name for name, value in state.items() if not np.isfinite(value).all()]
    if bad:
        raise ValueError(
            f"model {model.name!r} holds NaN or infinite weights ({', '.join(bad[:5])}), which a model file "
            "refuses: training diverged. Lower the learning rate and train again, or save an earlier "
            "checkpoint"
        )
    return {WEIGHTS + name: value for name, value in state.items()}


def check_model(model: Any) -> Model:
    """``model``, or a TypeError for anything that is not a glassnet Model."""
    if not isinstance(model, Model):
        raise TypeError(f"model must be a glassnet Model (Sequential or gn.Model), got "
                        f"{type(model).__name__}")
    return model


def _info_section(info: Any) -> dict[str, Any] | None:
    if info is None:
        return None
    if not isinstance(info, dict):
        raise TypeError(f"info must be a dict of JSON values (or None), got {type(info).__name__}")
    try:
        json.dumps(info, allow_nan=False)
    except (TypeError, ValueError) as err:
        raise ValueError(f"info cannot be written as JSON ({err}); give numbers, text, lists and dicts, "
                         "with NaN and inf as None") from None
    return info


def save(model: Model, path: PathLike, *, preprocessing: Any = None,
         info: dict[str, Any] | None = None) -> Path:
    """Save a model (architecture, weights, compile settings, preprocessing) to one file.

    The weights keep their dtype (float32 or float64); :func:`load` gives a model whose
    predictions are bitwise equal to this one's.

    Parameters
    ----------
    model : Sequential or functional Model
        Built (fitted, or ``model.build(...)``), with finite weights.
    path : str or os.PathLike
        Conventionally ending in ``.safetensors``; its folder is created if missing.
        Written atomically: a temporary file in the same folder, renamed over ``path``
        once complete.
    preprocessing : TabularPreprocessor, optional
        The fitted input preprocessing (default: ``model.preprocessing`` if set).
    info : dict, optional
        JSON-able facts about the model: target, classes, training settings, metrics
        (default: ``model.info`` if set).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    TypeError
        For a model that cannot be described (a Model subclass, a custom layer, a layer
        configured with a Python function, a graph function), or arguments of the wrong
        type; ``save_weights`` still works for those models.
    ValueError
        For a model without weights or with NaN/inf weights.
    OSError
        For a path that is a folder or cannot be written (nothing is written).

    Notes
    -----
    A custom loss, optimizer or metric (a Python function or class of your own) is not
    code a file can hold: the file records its name, and :func:`load` warns and compiles
    the model without it.

    Examples
    --------
    >>> import os, tempfile
    >>> model = gn.Sequential([gn.layers.Dense(2, activation="relu", input_dim=3), gn.layers.Dense(1)],
    ...                       seed=0)
    >>> X = np.ones((2, 3), dtype=np.float32)
    >>> model.compile(loss="mse")
    >>> _ = model.fit(X, np.ones((2, 1)), epochs=1, verbose=0)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = gn.save(model, os.path.join(folder, "model.safetensors"))
    ...     same = gn.load(path)
    ...
    >>> np.array_equal(same.predict(X), model.predict(X))
    True
    """
    from glassnet.io.tabular import TabularPreprocessor

    check_model(model)
    target = check_writable(path)
    tensors = _weights(model)
    architecture = model_to_config(model)
    try:
        model_from_config(json.loads(json.dumps(architecture)))
    except ModelFileError as err:
        raise TypeError(
            f"model {model.name!r} cannot be saved whole: {err}. A model file holds names and numbers, not "
            "Python functions: use named activations, initializers and regularizers, or save the weights "
            "alone with model.save_weights(path)"
        ) from None
    preprocessing = preprocessing if preprocessing is not None else getattr(model, "preprocessing", None)
    prep_config = None
    if preprocessing is not None:
        if not isinstance(preprocessing, TabularPreprocessor) or not hasattr(preprocessing, "transformer_"):
            raise TypeError(f"preprocessing must be a fitted TabularPreprocessor (or None), got "
                            f"{type(preprocessing).__name__}")
        prep_config, arrays = preprocessing.to_config()
        tensors.update({PREPROCESSING + k: np.asarray(v, dtype=np.float64) for k, v in arrays.items()})
    info = _info_section(info if info is not None else getattr(model, "info", None))
    sections = {"architecture": architecture, "compile": compile_config(model),
                "preprocessing": prep_config, "info": info}
    return _write(target, tensors, sections, "model")


def save_weights(model: Model, path: PathLike) -> Path:
    """Save only the weights (and buffers) of a built model, with its architecture for checking.

    Works for any Model, including subclasses that cannot be saved whole.

    Parameters
    ----------
    model : Model
        A built model, any kind (a subclass, custom layers).
    path : str or os.PathLike
        The file to write (safetensors).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    TypeError, ValueError, OSError
        As :func:`save`.

    Examples
    --------
    >>> import os, tempfile
    >>> model = gn.Sequential([gn.layers.Dense(1, input_dim=2)], seed=0)
    >>> twin = gn.Sequential([gn.layers.Dense(1, input_dim=2)], seed=1)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = gn.io.save_weights(model, os.path.join(folder, "weights.safetensors"))
    ...     _ = gn.io.load_weights(twin, path)
    ...
    >>> np.array_equal(twin.layers[0].W.numpy(), model.layers[0].W.numpy())
    True
    """
    check_model(model)
    target = check_writable(path, "weights file")
    tensors = _weights(model)
    try:
        architecture = model_to_config(model)
    except TypeError:
        architecture = None
    return _write(target, tensors, {"architecture": architecture}, "weights")


# ---------------------------------------------------------------------------- reading
def _build(model: Model, input_shape: Any, path: Path) -> None:
    if model.built:
        return
    try:
        model.build(input_shape)
    except (TypeError, ValueError) as err:
        raise ModelFileError(f"the architecture in {path} cannot be built: {err}") from None


def _load_state(model: Model, path: Path, tensors: dict[str, np.ndarray]) -> None:
    state = {name[len(WEIGHTS):]: a for name, a in tensors.items() if name.startswith(WEIGHTS)}
    try:
        model.load_state_dict(state)
    except KeyError as err:
        raise ModelFileError(
            f"the weights in {path} do not fit the architecture: {err.args[0]}. The file holds "
            "weights of another model"
        ) from None
    except ValueError as err:
        raise ModelFileError(f"the weights in {path} do not fit the architecture: {err}") from None


def _preprocessing(path: Path, config: Any, tensors: dict[str, np.ndarray]) -> Any:
    from glassnet.io.tabular import TabularPreprocessor

    if config is None:
        return None
    arrays = {k[len(PREPROCESSING):]: v for k, v in tensors.items() if k.startswith(PREPROCESSING)}
    if not isinstance(config, dict) or any(a.dtype != np.float64 for a in arrays.values()):
        raise ModelFileError(f"{path}: the saved preprocessing is malformed (a JSON object and float64 "
                             "statistics are expected)")
    try:
        return TabularPreprocessor.from_config(config, arrays)
    except ValueError as err:
        raise ModelFileError(f"{path}: {err}") from None


def load(path: PathLike, *, trust_format_1: bool = False) -> Model:
    """Load a model saved by :func:`save`: rebuilt from its architecture, weights restored,
    compiled again with its optimizer, loss and metrics when they were saved.

    The preprocessing, when the file has one, is ``model.preprocessing`` (else None); the
    facts saved with it (target, classes, training settings, metrics) are ``model.info``.

    Parameters
    ----------
    path : str or os.PathLike
    trust_format_1 : bool, default False
        Load a file of format version 1, whose checksum covers the weights only, so that
        a damaged or edited architecture would go unnoticed. Only for a file you trust;
        save it again at once (``gn.save(gn.load(path, trust_format_1=True), path)``).

    Raises
    ------
    FileNotFoundError, IsADirectoryError
        When there is no file at ``path``.
    ModelFileError
        For a truncated, corrupted or edited file (the checksum covers the architecture,
        the settings, the preprocessing and the weights), an oversized or deeply nested
        header, a file from an incompatible format version, an unknown layer type, or
        weights that do not fit the architecture or are not the model's float type.

    Examples
    --------
    >>> import os, tempfile
    >>> model = gn.Sequential([gn.layers.Dense(1, input_dim=2)], seed=0)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     restored = gn.load(gn.save(model, os.path.join(folder, "model.safetensors")))
    ...
    >>> type(restored).__name__, restored.layers[0].W.shape
    ('Sequential', (2, 1))
    """
    if not isinstance(trust_format_1, bool):
        raise TypeError(f"trust_format_1 must be True or False, got {trust_format_1!r}")
    target, header, version = open_file(path)
    if version == 1 and not trust_format_1:
        raise ModelFileError(
            f"{target} is a model file of format version 1 (glassnet "
            f"{header.metadata.get('glassnet_version', '?')[:20]}), whose checksum covers only the weights: "
            "a change to its architecture or settings cannot be detected. If you trust the file, re-save it "
            f"in the current format: gn.save(gn.load({str(target)!r}, trust_format_1=True), {str(target)!r})"
        )
    tensors = verified_arrays(target, header, version)
    meta = sections(target, header.metadata, version)
    if meta.get("kind") != "model":
        raise ModelFileError(
            f"{target} holds weights only (written by save_weights); build the model in code and call "
            "model.load_weights(path)"
        )
    model = model_from_config(meta.get("architecture"), declared_weights(header))
    _build(model, meta["architecture"].get("input_shape"), target)
    _load_state(model, target, tensors)
    if meta.get("compile") is not None:
        restore_compile(model, meta["compile"], target)
    model.preprocessing = _preprocessing(target, meta.get("preprocessing"), tensors)
    model.info = meta.get("info", {})
    return model


def load_weights(model: Model, path: PathLike) -> Model:
    """Copy the weights of a file (from :func:`save_weights` or :func:`save`) into ``model``.

    An unbuilt model is first built for the input shape recorded in the file. Files of
    format version 1 are read too: only their weights are used, and those were covered
    by their checksum.

    Parameters
    ----------
    model : Model
        A model of the same architecture as the saved one.
    path : str or os.PathLike
        A file written by ``save_weights`` or ``save``.

    Returns
    -------
    Model
        ``model``, its weights replaced.

    Raises
    ------
    FileNotFoundError, IsADirectoryError
        When there is no file at ``path``.
    ModelFileError
        For a damaged file, or when the names, shapes or dtype of the weights do not fit
        the model (listed).

    Examples
    --------
    >>> import os, tempfile
    >>> model = gn.Sequential([gn.layers.Dense(1, input_dim=2)], seed=0)
    >>> twin = gn.Sequential([gn.layers.Dense(1, input_dim=2)], seed=1)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = gn.io.load_weights(twin, gn.io.save_weights(model, os.path.join(folder, "w.safetensors")))
    ...
    >>> np.array_equal(twin.layers[0].b.numpy(), model.layers[0].b.numpy())
    True
    """
    from glassnet.io import shapes

    check_model(model)
    target, header, version = open_file(path)
    tensors = verified_arrays(target, header, version)
    architecture = sections(target, header.metadata, version).get("architecture")
    input_shape = architecture.get("input_shape") if isinstance(architecture, dict) else None
    stored, dtype = declared_weights(header), np.dtype(model.dtype).name
    calls = None if model.built else shapes.planned_calls(model, input_shape, str(target))
    if calls is not None:
        shapes.check_state(shapes.declared_state(calls), stored, dtype, str(target))
        shapes.build_layers(calls, dtype, str(target))
    _build(model, input_shape, target)
    if calls is None:  # a model whose own code built it: check what it built
        shapes.check_state({k: v.shape for k, v in model.state_dict().items()}, stored, dtype, str(target))
    _load_state(model, target, tensors)
    return model

