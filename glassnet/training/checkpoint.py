"""Files written during training: ModelCheckpoint, CSVLogger, and atomic writes.

A checkpoint or backup is never left half-written: it is written to a temporary file in
the same folder, flushed to disk (fsync), then renamed over the target with
``os.replace``, which is atomic on POSIX and Windows. A crash at any moment leaves either
the old file or the new one.
"""

from __future__ import annotations

import csv
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from glassnet import _files as files
from glassnet._checks import check_flag
from glassnet._files import atomic_write
from glassnet._model_keras import refuse_keras_format
from glassnet.training.callbacks import Callback
from glassnet.training.monitor import Monitor, check_number, check_verbose

__all__ = ["atomic_write", "check_writable", "json_ready", "save_arrays", "load_arrays", "load_checkpoint",
           "keras_name", "check_path", "check_save_freq", "ModelCheckpoint", "CSVLogger"]

_META_KEY = "glassnet"
_FORMAT = "glassnet backup, format 2"


def check_writable(owner: str, path: str | os.PathLike[str]) -> Path:
    """Create the folder of ``path`` if needed and check that a file can be written there
    (:func:`glassnet._files.check_writable`).

    Raises
    ------
    ValueError
        Naming ``owner``, the path and the reason, when the file cannot be written there.
    """
    try:
        return files.check_writable(path, "file", "path")
    except OSError as err:
        raise ValueError(f"{owner}: {err}") from err


def json_ready(value: Any, replaced: list[str] | None = None, path: str = "") -> Any:
    """``value`` as strict JSON takes it: NumPy scalars and arrays as Python numbers and
    lists, NaN and +-inf as None (null), mapping keys as text.

    The path of each non-finite number replaced ("test_metrics.mse") is appended to
    ``replaced`` when given, so that the caller can say which values were not finite.
    """
    if isinstance(value, dict):
        return {str(k): json_ready(v, replaced, f"{path}.{k}" if path else str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [json_ready(v, replaced, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        if replaced is not None:
            replaced.append(path)
        return None
    return value


def save_arrays(path: str | os.PathLike[str], arrays: dict[str, np.ndarray],
                metadata: dict[str, Any]) -> None:
    """Write ``arrays`` as a safetensors file with ``metadata`` in its header, atomically,
    with a checksum of both.

    The metadata is written as strict JSON (:func:`json_ready`: NaN and inf become null).
    """
    from safetensors.numpy import save_file

    from glassnet.io import _header

    tensors = {name: np.ascontiguousarray(value) for name, value in arrays.items()}
    header = {"format": _FORMAT, _META_KEY: json.dumps(json_ready(metadata), allow_nan=False)}
    header["sha256"] = _header.checksum(header, tensors, _FORMAT)
    atomic_write(path, lambda tmp: save_file(tensors, tmp, metadata=header))


def keras_name(owner: str, name: str, value: Any, alias: str, alias_value: Any) -> Any:
    """The argument given as ``name`` or under Keras's name ``alias``; a TypeError when both
    or neither are given."""
    if value is not None and alias_value is not None:
        raise TypeError(f"{owner}: give {name} or {alias} (Keras's name for it), not both")
    if value is None and alias_value is None:
        raise TypeError(f"{owner}: {name} is required (the file to write)")
    return value if value is not None else alias_value


def check_path(owner: str, name: str, path: Any) -> str | os.PathLike[str]:
    """``path`` when it is text or a path, else a TypeError naming ``owner`` and ``name``."""
    if not isinstance(path, (str, os.PathLike)) or not os.fspath(path):
        raise TypeError(f"{owner}: {name} must be a non-empty str or path, got {path!r}")
    return path


def check_save_freq(owner: str, save_freq: Any) -> None:
    """Keras's ``save_freq``: glassnet writes at the end of every epoch only."""
    if save_freq != "epoch":
        raise ValueError(f"{owner}: glassnet writes at the end of every epoch; save_freq must be 'epoch', "
                         f"got {save_freq!r}")


def load_arrays(path: str | os.PathLike[str]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The arrays and the JSON metadata of a file written by :func:`save_arrays`, once its
    header, its checksum and its JSON are checked.

    Raises
    ------
    ValueError
        For a damaged file, or one written without a checksum (by an older glassnet).
    """
    from glassnet.io import _header

    target = Path(path)

    def damaged(problem: str) -> ValueError:
        return ValueError(f"the backup {str(target)!r} cannot be used: {problem}. Delete it to start afresh")

    header = _header.read_header(target, damaged)
    if header.metadata.get("format") != _FORMAT:
        raise damaged("it has no checksum (it was written by an older glassnet, or is not a backup)")
    arrays = _header.read_arrays(target, damaged)
    if header.metadata.get("sha256") != _header.checksum(header.metadata, arrays, _FORMAT):
        raise damaged("its contents do not match the checksum written with them (corrupted or edited)")
    metadata = _header.parse_json(header.metadata.get(_META_KEY, "{}"), "metadata", damaged, constants=True)
    if not isinstance(metadata, dict):
        raise damaged("its metadata is not a JSON object")
    return arrays, metadata


def load_checkpoint(path: str | os.PathLike[str], model: Any = None) -> dict[str, Any]:
    """Read a :class:`ModelCheckpoint` file; load its weights into ``model`` when given.

    ``gn.load(path)`` rebuilds the whole model from the same file.

    Returns
    -------
    dict
        The checkpoint metadata: ``epoch`` (1-based), ``monitor``, ``value`` and the
        epoch's ``logs``.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by ``ModelCheckpoint``.
    model : Model, optional
        A model of the same architecture, to receive the weights.

    Examples
    --------
    >>> import os, tempfile
    >>> model = gn.Sequential([gn.layers.Dense(1, input_dim=1)], seed=0)
    >>> model.compile(loss="mse")
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "best.safetensors")
    ...     _ = model.fit(X, X, epochs=2, verbose=0, validation_split=0.5,
    ...                   callbacks=[gn.callbacks.ModelCheckpoint(path, save_best_only=True)])
    ...     info = gn.callbacks.load_checkpoint(path)
    ...
    >>> sorted(info)
    ['epoch', 'logs', 'monitor', 'value']
    """
    from glassnet import io

    if model is not None:
        io.load_weights(model, path)
    info = io.read_metadata(path).get("info") or {}
    return dict(info.get("checkpoint", {}))


class ModelCheckpoint(Callback):
    """Saves the model after every epoch (or every ``save_freq`` batches), or only when the
    monitored quantity improves.

    Each file is a full model file of :func:`glassnet.io.save` (safetensors: the
    ``model.state_dict()`` weights and buffers, with the architecture and compile settings
    as JSON metadata), so ``gn.load(path)`` rebuilds the model; the checkpoint's own
    metadata (epoch, monitored value, logs) is its ``info["checkpoint"]``, read back by
    :func:`load_checkpoint`. Files are written atomically (see the module docstring).
    ``path`` may contain fields filled from the epoch (counted from 1), the batch (with an
    integer ``save_freq``, counted from 1 in its epoch) and the logs, e.g.
    ``"ckpt/model-{epoch:02d}-{val_loss:.2f}.safetensors"``. The positional arguments are
    Keras's, in Keras's order.

    Parameters
    ----------
    path : str or PathLike
        Keras's name ``filepath=`` is accepted too.
    monitor : str, default "val_loss"
        Used by ``save_best_only`` and recorded in the metadata when logged.
    verbose : {0, 1}, default 0
        1 prints each file written.
    save_best_only : bool, default False
        Save only when ``monitor`` improves on the best so far.
    save_weights_only : bool, default False
        Write the weights alone (:func:`glassnet.io.save_weights`).
    mode : {"auto", "min", "max"}, default "auto"
    save_freq : "epoch" or int >= 1, default "epoch"
        Save at the end of every epoch, or after every ``save_freq`` batches (then the
        monitored value comes from the batch's logs, which hold the training ``loss``).
    initial_value_threshold : float, optional
        With ``save_best_only``: the value the first saved epoch must beat.

    Raises
    ------
    ValueError
        At the start of training, when the folder of ``path`` cannot be written.

    Examples
    --------
    >>> import os, tempfile
    >>> model = gn.Sequential([gn.layers.Dense(1, input_dim=1)], seed=0)
    >>> model.compile(loss="mse")
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     checkpoint = gn.callbacks.ModelCheckpoint(os.path.join(folder, "model-{epoch:02d}.safetensors"))
    ...     _ = model.fit(X, X, epochs=2, verbose=0, validation_split=0.5, callbacks=[checkpoint])
    ...     print(sorted(os.listdir(folder)))
    ...
    ['model-01.safetensors', 'model-02.safetensors']
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, monitor: str = "val_loss",
                 verbose: int = 0, save_best_only: bool = False, save_weights_only: bool = False,
                 mode: str = "auto", save_freq: str | int = "epoch",
                 initial_value_threshold: float | None = None, *,
                 filepath: str | os.PathLike[str] | None = None) -> None:
        owner = "ModelCheckpoint"
        path = refuse_keras_format(keras_name(owner, "path", path, "filepath", filepath), owner)
        self.path = os.fspath(check_path(owner, "path", path))
        self.monitor = monitor
        self.save_best_only = check_flag(f"{owner}: save_best_only", save_best_only)
        self.save_weights_only = check_flag(f"{owner}: save_weights_only", save_weights_only)
        self.verbose = check_verbose(owner, verbose)
        self.save_freq = _check_batch_freq(owner, save_freq)
        self._watch = Monitor(owner, monitor, mode)
        if self.save_best_only and self.save_freq != "epoch" and monitor.startswith("val_"):
            raise ValueError(f"{owner}: with save_freq={save_freq} (batches) the monitored value comes from "
                             f"the batch's logs, which hold no {monitor!r}; monitor='loss', or "
                             "save_freq='epoch'")
        self.initial_value_threshold = None if initial_value_threshold is None else \
            check_number(owner, "initial_value_threshold", initial_value_threshold, -math.inf)
        self.saved: list[str] = []
        self._epoch = self._batches = 0

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._watch.restore_best(self.initial_value_threshold)
        self.saved, self._batches = [], 0
        check_writable("ModelCheckpoint", self.path)

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._epoch = epoch

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self.save_freq == "epoch":
            return
        self._batches += 1
        if self._batches >= self.save_freq:
            self._batches = 0
            self._checkpoint(self._epoch, dict(logs or {}), batch)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.save_freq == "epoch":
            self._checkpoint(epoch, dict(logs or {}))

    def _checkpoint(self, epoch: int, logs: dict[str, Any], batch: int | None = None) -> None:
        """Save the model for this epoch (or batch) unless ``save_best_only`` finds no improvement."""
        stopping = self.logs_incomplete()
        if self.save_best_only:
            value = self._watch.value(logs, epoch, stopping)
            if value is None or not self._watch.improved(value):
                return
            self._watch.best = value
        target = self._format(epoch, batch, logs, stopping)
        if target is None:
            return
        scalars = {k: v for k, v in logs.items() if isinstance(v, (int, float, np.number))}
        check_writable("ModelCheckpoint", target)
        self._save(target, {"epoch": epoch + 1, "monitor": self.monitor,
                            "value": scalars.get(self.monitor), "logs": scalars})
        self.saved.append(target)
        if self.verbose:
            print(f"Epoch {epoch + 1}: saved the model to {target}")

    def _save(self, target: str, metadata: dict[str, Any]) -> None:
        """A full model file (``glassnet.io.save``: architecture, weights, compile settings)
        with the checkpoint metadata in its ``info``; weights alone for a model that cannot
        be described (a Model subclass, a custom layer)."""
        from glassnet import io

        if self.save_weights_only:
            io.save_weights(self.model, target)
            return
        info = json_ready({**(getattr(self.model, "info", None) or {}), "checkpoint": metadata})
        try:
            io.save(self.model, target, info=info)
        except TypeError:
            io.save_weights(self.model, target)

    def get_state(self) -> dict[str, Any]:
        """What a resumed run needs (see BackupAndRestore): the best value and the files."""
        return {"json": {"best": self._watch.best, "saved": self.saved}, "arrays": {}}

    def set_state(self, state: dict[str, Any]) -> None:
        self._watch.restore_best(state["json"]["best"])
        self.saved = list(state["json"]["saved"])

    def _format(self, epoch: int, batch: int | None, logs: dict[str, Any], stopping: bool) -> str | None:
        """The file name of this epoch (or batch); None for an epoch whose logs lack a field of
        the name that they may lack (cut short by another stop, or not validated)."""
        fields = {"epoch": epoch + 1, **({} if batch is None else {"batch": batch + 1})}
        try:
            return self.path.format(**{**logs, **fields})
        except (KeyError, IndexError, ValueError) as err:
            if stopping:
                return None
            raise ValueError(
                f"ModelCheckpoint: path {self.path!r} names a field that the logs do not provide "
                f"({err}); available: {sorted({*fields, *logs})}"
            ) from None


def _check_batch_freq(owner: str, save_freq: Any) -> str | int:
    """Keras's ``save_freq``: "epoch", or a number of batches >= 1."""
    if isinstance(save_freq, str) and save_freq == "epoch":
        return save_freq
    whole = isinstance(save_freq, (int, np.integer)) and not isinstance(save_freq, (bool, np.bool_))
    if whole and save_freq >= 1:
        return int(save_freq)
    raise ValueError(f"{owner}: save_freq must be 'epoch' or a number of batches >= 1, got {save_freq!r}")


class CSVLogger(Callback):
    """Writes one CSV row per epoch: the epoch number (1-based) and every logged quantity.

    Each row is appended and flushed at the end of its epoch, so the file is readable
    while training runs and keeps the finished epochs if the run is interrupted.

    With BackupAndRestore, the size of the file is part of the backup: a resumed run keeps
    the file (whatever ``append`` says), cut back to the rows of the epochs the backup
    holds, so an epoch whose row was written just before the process was killed (before its
    backup) is not written twice.

    Parameters
    ----------
    path : str or PathLike
        Keras's name ``filename=`` is accepted too.
    separator : str, default ","
        One character.
    append : bool, default False
        Keep the rows of an earlier run; False starts the file afresh at the first row.

    Examples
    --------
    >>> import os, tempfile
    >>> model = gn.Sequential([gn.layers.Dense(1, input_dim=1)], seed=0)
    >>> model.compile(loss="mse")
    >>> X = np.array([[0.0], [1.0]])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "log.csv")
    ...     _ = model.fit(X, X, epochs=2, verbose=0, callbacks=[gn.callbacks.CSVLogger(path)])
    ...     with open(path) as file:
    ...         lines = file.read().splitlines()
    ...
    >>> lines[0], len(lines)
    ('epoch,loss', 3)
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, separator: str = ",", append: bool = False,
                 *, filename: str | os.PathLike[str] | None = None) -> None:
        path = check_path("CSVLogger", "path", keras_name("CSVLogger", "path", path, "filename", filename))
        if not isinstance(separator, str) or len(separator) != 1 or separator in "\r\n\"":
            raise ValueError(f"CSVLogger: separator must be one character such as ',' or ';', "
                             f"got {separator!r}")
        self.path = Path(path)
        self.separator = separator
        self.append = check_flag("CSVLogger: append", append)
        self.keys: list[str] | None = None
        self.size = 0
        self._afresh = False

    def _continue(self) -> None:
        """Write after the rows already in the file, under its header."""
        self.keys, self._afresh = None, False
        if self.path.exists() and self.path.stat().st_size:
            with open(self.path, newline="") as handle:
                self.keys = next(csv.reader(handle, delimiter=self.separator))
        self.size = self.path.stat().st_size if self.path.exists() else 0

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        check_writable("CSVLogger", self.path)
        self._continue()
        if not self.append:
            self.keys, self.size, self._afresh = None, 0, True

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        with open(self.path, "w" if self._afresh else "a", newline="") as handle:
            writer = csv.writer(handle, delimiter=self.separator)
            if self.keys is None:
                self.keys = ["epoch", *(k for k, v in logs.items() if np.isscalar(v))]
                writer.writerow(self.keys)
            row = {"epoch": epoch + 1, **logs}
            writer.writerow([row.get(k, "") for k in self.keys])
            self.size, self._afresh = handle.tell(), False

    def get_state(self) -> dict[str, Any]:
        """What a resumed run needs (see BackupAndRestore): the file's size after the last row."""
        return {"json": {"size": self.size}, "arrays": {}}

    def set_state(self, state: dict[str, Any]) -> None:
        """Continue the file, cut back to the size it had when the backup was written."""
        size = int(state["json"]["size"])
        if self.path.exists() and self.path.stat().st_size > size:
            os.truncate(self.path, size)
        self._continue()
