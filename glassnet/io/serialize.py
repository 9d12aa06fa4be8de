"""Model files: one ``.safetensors`` file holding the weights and, as JSON in its metadata,
the architecture, the compile settings, the preprocessing and what the model was trained on.

Layout of a file (the safetensors format: an 8-byte little-endian header length, a JSON
header, then the raw arrays)::

    tensors    "weights/<parameter or buffer name>"   float32 or float64, as trained
               "preprocessing/<array name>"          fitted scaler statistics
    metadata   format = "glassnet", format_version, glassnet_version, kind ("model" or
               "weights"), architecture, compile, preprocessing, info (JSON texts),
               sha256 (of every tensor's name, dtype, shape and bytes)

Reading never runs code and never unpickles: the header is checked (size, JSON, offsets)
before any array is read, layer types go through an allow-list, and the checksum catches
damaged data. Writing is atomic: a temporary file in the target folder, then a rename.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from glassnet.io.config import ModelFileError, model_from_config, model_to_config
from glassnet.models import Model

__all__ = [
    "FORMAT_NAME", "FORMAT_VERSION", "MAX_HEADER_BYTES", "save", "load", "save_weights",
    "load_weights", "read_metadata",
]

FORMAT_NAME = "glassnet"
#: Raised whenever the layout changes; files with a higher number are refused.
FORMAT_VERSION = 1
#: The largest header read (safetensors's own limit): a bigger claim means a damaged file.
MAX_HEADER_BYTES = 100_000_000
_ITEMSIZE = {"F16": 2, "F32": 4, "F64": 8, "I8": 1, "I16": 2, "I32": 4, "I64": 8, "U8": 1, "BOOL": 1}
_WEIGHTS, _PREPROCESSING = "weights/", "preprocessing/"

PathLike = str | os.PathLike


# ---------------------------------------------------------------------------- writing
def _checksum(tensors: dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for name in sorted(tensors):
        array = np.ascontiguousarray(tensors[name])
        digest.update(f"{name}|{array.dtype.str}|{array.shape}|".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def _write_atomic(path: Path, payload: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _write(path: PathLike, tensors: dict[str, np.ndarray], sections: dict[str, Any], kind: str) -> Path:
    from safetensors.numpy import save as _to_bytes

    from glassnet import __version__

    tensors = {name: np.ascontiguousarray(a) for name, a in tensors.items()}
    metadata = {
        "format": FORMAT_NAME,
        "format_version": str(FORMAT_VERSION),
        "glassnet_version": __version__,
        "kind": kind,
        "sha256": _checksum(tensors),
    }
    for key, value in sections.items():
        if value is not None:
            metadata[key] = json.dumps(value, allow_nan=False, sort_keys=True)
    path = Path(path)
    _write_atomic(path, _to_bytes(tensors, metadata=metadata))
    return path


def _weights(model: Model) -> dict[str, np.ndarray]:
    if not model.built:
        raise ValueError(
            f"model {model.name!r} has no weights yet: fit it, or build it (model.build(input_shape)), "
            "before saving"
        )
    return {_WEIGHTS + name: value for name, value in model.state_dict().items()}


def _compile_config(model: Model) -> dict[str, Any] | None:
    """The optimizer, losses and metric names, when all of them can be named."""
    from glassnet import losses

    if not model.compiled:
        return None
    loss_entries = []
    for loss in model.loss_fns:
        name = getattr(loss, "name", None)
        if not isinstance(loss, losses.Loss) or name not in losses.LOSSES or \
                losses.LOSSES.get(name) is not type(loss):
            return None
        loss_entries.append({"name": name, "config": loss.get_config()})
    if not all(isinstance(m, str) for m in model.metric_names) or not hasattr(model.optimizer, "get_config"):
        return None
    config = {"optimizer": model.optimizer.get_config(), "loss": loss_entries, "metrics": model.metric_names}
    try:
        json.dumps(config, allow_nan=False)
    except (TypeError, ValueError):
        return None
    return config


def save(model: Model, path: PathLike, *, preprocessing: Any = None,
         info: dict[str, Any] | None = None) -> Path:
    """Save a model (architecture, weights, compile settings, preprocessing) to one file.

    The weights keep their dtype (float32 or float64); :func:`load` gives a model whose
    predictions are bitwise equal to this one's.

    Parameters
    ----------
    model : Sequential or functional Model
        Built (fitted, or ``model.build(...)``).
    path : str or os.PathLike
        Conventionally ending in ``.safetensors``. Written atomically: a temporary file in
        the same folder, renamed over ``path`` once complete.
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
        For a model that cannot be described (a Model subclass, a custom layer or graph
        function); ``save_weights`` still works for those.
    ValueError
        For a model without weights.

    Examples
    --------
    >>> gn.save(model, "model.safetensors")
    >>> same = gn.load("model.safetensors")
    """
    if not isinstance(model, Model):
        raise TypeError(f"save() takes a glassnet Model, got {type(model).__name__}")
    tensors = _weights(model)
    architecture = model_to_config(model)
    model_from_config(json.loads(json.dumps(architecture)))
    preprocessing = preprocessing if preprocessing is not None else getattr(model, "preprocessing", None)
    prep_config = None
    if preprocessing is not None:
        prep_config, arrays = preprocessing.to_config()
        tensors.update({_PREPROCESSING + k: v for k, v in arrays.items()})
    info = info if info is not None else getattr(model, "info", None)
    sections = {"architecture": architecture, "compile": _compile_config(model),
                "preprocessing": prep_config, "info": info}
    return _write(path, tensors, sections, "model")


def save_weights(model: Model, path: PathLike) -> Path:
    """Save only the weights (and buffers) of a built model, with its architecture for checking.

    Works for any Model, including subclasses that cannot be saved whole.
    """
    tensors = _weights(model)
    try:
        architecture = model_to_config(model)
    except TypeError:
        architecture = None
    return _write(path, tensors, {"architecture": architecture}, "weights")


# ---------------------------------------------------------------------------- reading
def _damaged(path: Path, problem: str) -> ModelFileError:
    return ModelFileError(
        f"{path} is not a readable model file: {problem}. Save the model again, or copy the "
        "file again if it was transferred"
    )


def _read_header(path: Path) -> tuple[dict[str, Any], int]:
    """The parsed safetensors header, checked against the file's size; and the data offset."""
    if not path.exists():
        raise FileNotFoundError(f"model file {str(path)!r} does not exist; check the path (model files "
                                "are written by gn.save and glassnet train)")
    if path.is_dir():
        raise IsADirectoryError(f"{str(path)!r} is a folder; give the model file inside it "
                                "(model.safetensors)")
    size = path.stat().st_size
    with path.open("rb") as stream:
        prefix = stream.read(8)
        if len(prefix) < 8:
            raise _damaged(path, f"it holds {size} bytes, fewer than a header needs (truncated)")
        (length,) = struct.unpack("<Q", prefix)
        if length > MAX_HEADER_BYTES:
            raise _damaged(path, f"its header claims {length:,} bytes, more than the {MAX_HEADER_BYTES:,} "
                                 "allowed (oversized header: the file is damaged or not safetensors)")
        if 8 + length > size:
            raise _damaged(path, f"its header claims {length:,} bytes but the file ends after "
                                 f"{size - 8:,} (truncated)")
        raw = stream.read(length)
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise _damaged(path, f"its header is not valid JSON ({err}; corrupted)") from None
    if not isinstance(header, dict):
        raise _damaged(path, "its header is not a JSON object (corrupted)")
    _check_offsets(path, header, size - 8 - length)
    return header, 8 + length


def _check_offsets(path: Path, header: dict[str, Any], data_size: int) -> None:
    end = 0
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        ok = isinstance(entry, dict) and entry.get("dtype") in _ITEMSIZE and \
            isinstance(entry.get("shape"), list) and isinstance(entry.get("data_offsets"), list) and \
            len(entry["data_offsets"]) == 2 and all(isinstance(n, int) and n >= 0 for n in entry["shape"])
        if not ok:
            raise _damaged(path, f"the header entry of tensor {name!r} is malformed (corrupted)")
        start, stop = entry["data_offsets"]
        if not (isinstance(start, int) and isinstance(stop, int)) or \
                stop - start != int(np.prod(entry["shape"])) * _ITEMSIZE[entry["dtype"]] or start < 0:
            raise _damaged(path, f"tensor {name!r} has inconsistent offsets (corrupted)")
        end = max(end, stop)
    if end > data_size:
        raise _damaged(path, f"the tensors need {end:,} bytes of data but the file holds {data_size:,} "
                             "(truncated)")
    if end < data_size:
        raise _damaged(path, f"{data_size - end:,} bytes follow the last tensor (corrupted or appended to)")


def _metadata(path: Path, header: dict[str, Any]) -> dict[str, Any]:
    """The metadata sections, with the JSON ones parsed and the version checked."""
    from glassnet import __version__

    meta = header.get("__metadata__")
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        raise ModelFileError(
            f"{path} is a safetensors file but not a glassnet model (no 'format: glassnet' in its "
            "metadata); glassnet reads files written by gn.save or model.save_weights"
        )
    try:
        version = int(meta.get("format_version", ""))
    except ValueError:
        raise _damaged(path, f"its format_version {meta.get('format_version')!r} is not a number") from None
    if version > FORMAT_VERSION or version < 1:
        raise ModelFileError(
            f"{path} was written by glassnet {meta.get('glassnet_version', '?')} in model-file format "
            f"version {version}; this glassnet ({__version__}) reads format version {FORMAT_VERSION}. "
            "Upgrade glassnet (pip install -U glassnet) or save the model again with this version"
        )
    out = dict(meta)
    for key in ("architecture", "compile", "preprocessing", "info"):
        if key in meta:
            try:
                out[key] = json.loads(meta[key])
            except (TypeError, json.JSONDecodeError) as err:
                raise _damaged(path, f"its {key} section is not valid JSON ({err})") from None
    return out


def _read_tensors(path: Path, meta: dict[str, Any]) -> dict[str, np.ndarray]:
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    try:
        tensors = load_file(str(path))
    except (SafetensorError, ValueError, OSError) as err:
        raise _damaged(path, f"its arrays cannot be read ({err})") from None
    if meta.get("sha256") != _checksum(tensors):
        raise _damaged(path, "its arrays do not match the checksum written with them (corrupted)")
    return tensors


def read_metadata(path: PathLike) -> dict[str, Any]:
    """The metadata of a model file (JSON sections parsed), without reading the weights.

    Raises
    ------
    FileNotFoundError, ModelFileError
    """
    path = Path(path)
    header, _ = _read_header(path)
    return _metadata(path, header)


def _build(model: Model, architecture: dict[str, Any]) -> None:
    if model.built:
        return
    try:
        model.build(architecture.get("input_shape"))
    except (TypeError, ValueError) as err:
        raise ModelFileError(f"the saved architecture cannot be built: {err}") from None


def _load_state(model: Model, path: Path, tensors: dict[str, np.ndarray]) -> None:
    state = {name[len(_WEIGHTS):]: a for name, a in tensors.items() if name.startswith(_WEIGHTS)}
    try:
        model.load_state_dict(state)
    except KeyError as err:
        raise ModelFileError(
            f"the weights in {path} do not fit the architecture: {err.args[0]}. The file holds "
            "weights of another model"
        ) from None
    except ValueError as err:
        raise ModelFileError(f"the weights in {path} do not fit the architecture: {err}") from None


def _compile(model: Model, config: Any) -> None:
    from glassnet import losses, optim

    try:
        loss = [losses.LOSSES.get(e["name"])(**e["config"]) for e in config["loss"]]
        model.compile(optimizer=optim.get(dict(config["optimizer"])), loss=loss if len(loss) > 1 else loss[0],
                      metrics=list(config["metrics"]))
    except (KeyError, TypeError, ValueError) as err:
        raise ModelFileError(f"the saved compile settings cannot be restored: {err}") from None


def load(path: PathLike) -> Model:
    """Load a model saved by :func:`save`: rebuilt from its architecture, weights restored,
    compiled again with its optimizer, loss and metrics when they were saved.

    The preprocessing, when the file has one, is ``model.preprocessing`` (else None); the
    facts saved with it (target, classes, training settings, metrics) are ``model.info``.

    Raises
    ------
    FileNotFoundError
        When there is no file at ``path``.
    ModelFileError
        For a truncated or corrupted file, an oversized header, a file from an incompatible
        format version, an unknown layer type, or weights that do not fit the architecture.
    """
    path = Path(path)
    header, _ = _read_header(path)
    meta = _metadata(path, header)
    if meta.get("kind") != "model" or not isinstance(meta.get("architecture"), dict):
        raise ModelFileError(
            f"{path} holds weights only (written by save_weights); build the model in code and call "
            "model.load_weights(path)"
        )
    tensors = _read_tensors(path, meta)
    model = model_from_config(meta["architecture"])
    _build(model, meta["architecture"])
    _load_state(model, path, tensors)
    if isinstance(meta.get("compile"), dict):
        _compile(model, meta["compile"])
    model.preprocessing = None
    if isinstance(meta.get("preprocessing"), dict):
        from glassnet.io.tabular import TabularPreprocessor

        arrays = {k[len(_PREPROCESSING):]: v for k, v in tensors.items() if k.startswith(_PREPROCESSING)}
        try:
            model.preprocessing = TabularPreprocessor.from_config(meta["preprocessing"], arrays)
        except ValueError as err:
            raise ModelFileError(f"{path}: {err}") from None
    model.info = meta.get("info") if isinstance(meta.get("info"), dict) else {}
    return model


def load_weights(model: Model, path: PathLike) -> Model:
    """Copy the weights of a file (from :func:`save_weights` or :func:`save`) into ``model``.

    An unbuilt model is first built for the input shape recorded in the file.

    Raises
    ------
    ModelFileError
        When the names or shapes of the weights do not fit the model (both are listed).
    """
    path = Path(path)
    header, _ = _read_header(path)
    meta = _metadata(path, header)
    tensors = _read_tensors(path, meta)
    _build(model, meta.get("architecture") or {})
    _load_state(model, path, tensors)
    return model
