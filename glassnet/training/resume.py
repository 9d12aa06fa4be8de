"""Resuming an interrupted run: the loop's resumable state and BackupAndRestore."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from glassnet._checks import check_flag
from glassnet.training.callbacks import Callback
from glassnet.training.checkpoint import (
    check_path,
    check_save_freq,
    check_writable,
    keras_name,
    load_arrays,
    save_arrays,
)
from glassnet.training.state import RunState

__all__ = ["BackupAndRestore"]


def _layer_generators(model: Any) -> dict[str, np.random.Generator]:
    """Each layer's generator (dropout masks), keyed by the layer's position in the model."""
    layers = enumerate(model.layers)
    return {str(i): layer.rng for i, layer in layers if getattr(layer, "rng", None) is not None}


def _numbers(lists: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """History lists read back from JSON, where null stands for NaN or inf."""
    return {k: [math.nan if v is None else v for v in values] for k, values in lists.items()}


def _stateful(callbacks: list[Callback]) -> list[Callback]:
    return [cb for cb in callbacks if hasattr(cb, "get_state") and hasattr(cb, "set_state")]


class BackupAndRestore(Callback):
    """Backs the run up after every epoch; a run interrupted (Ctrl-C, a killed process)
    resumes from its last finished epoch when ``fit`` is called again the same way.

    The backup is one file, ``<backup_dir>/backup.safetensors``, written atomically: the
    weights and buffers, the optimizer state (``optimizer.state_dict()``), the number of
    finished epochs, the History so far, the state of the generators that shuffle the
    batches and drop units, and the state of callbacks that keep one (EarlyStopping,
    ReduceLROnPlateau, ConvergenceStop, ModelCheckpoint). With the same data, seed and
    callbacks, the resumed run ends with bitwise the same weights as an uninterrupted
    one. The file is deleted when training ends normally, so the next run starts afresh.
    A CSVLogger continues its file, without repeating the row of an epoch that finished
    after the last backup.

    It runs after the other callbacks at the end of each epoch, so it saves what they
    changed (a reduced learning rate, a new best epoch).

    Parameters
    ----------
    backup_dir : str or PathLike
        Folder of the backup (created if needed; must be writable).
    delete_on_end : bool, default True
        Delete the backup when training ends without interruption (Keras's name
        ``delete_checkpoint=`` is accepted too).
    save_freq : "epoch"
        Keras's argument; glassnet backs up at the end of every epoch.

    Examples
    --------
    >>> backup = BackupAndRestore("runs/backup")
    >>> # model.fit(X, y, epochs=100, seed=0, callbacks=[backup])  # interrupted: run it again
    """

    order = 20

    def __init__(self, backup_dir: str | os.PathLike[str], delete_on_end: bool | None = None, *,
                 delete_checkpoint: bool | None = None, save_freq: str = "epoch") -> None:
        owner = "BackupAndRestore"
        self.backup_dir = Path(check_path(owner, "backup_dir", backup_dir))
        self.path = self.backup_dir / "backup.safetensors"
        if delete_on_end is None and delete_checkpoint is None:
            delete_on_end = True
        delete = keras_name(owner, "delete_on_end", delete_on_end, "delete_checkpoint", delete_checkpoint)
        self.delete_on_end = check_flag(f"{owner}: delete_on_end", delete)
        check_save_freq(owner, save_freq)
        self.restored_epoch: int | None = None

    def _loop(self) -> RunState:
        loop = self.params.get("run")
        if not isinstance(loop, RunState):
            raise RuntimeError("BackupAndRestore works inside model.fit(), which shares the loop state")
        return loop

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        check_writable("BackupAndRestore", self.path)
        self.restored_epoch = None
        if self.path.exists():
            self._restore(self._loop())

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        loop = self._loop()
        model = self.model
        arrays = {f"model/{k}": v for k, v in model.state_dict().items()}
        opt_state = model.optimizer.state_dict()
        arrays.update({f"optimizer/{k}": v for k, v in opt_state.pop("state").items()})
        callbacks = []
        for i, cb in enumerate(_stateful(loop.callbacks)):
            state = cb.get_state()
            arrays.update({f"callback/{i}/{k}": v for k, v in state["arrays"].items()})
            callbacks.append({"class": type(cb).__name__, "json": state["json"]})
        history = loop.history
        metadata = {
            "epoch": epoch + 1,
            "optimizer": opt_state,
            "rng": loop.rng.bit_generator.state,
            "layer_rngs": {key: g.bit_generator.state for key, g in _layer_generators(model).items()},
            "history": history.history, "history_epochs": history.epoch,
            "gradient_norms": history.gradient_norms,
            "callbacks": callbacks,
        }
        save_arrays(self.path, arrays, metadata)

    def _restore(self, loop: RunState) -> None:
        arrays, meta = load_arrays(self.path)
        try:
            self._apply(loop, arrays, meta)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as err:
            raise ValueError(
                f"BackupAndRestore: the backup {str(self.path)!r} does not fit this model or optimizer "
                f"({err}); delete it to start afresh"
            ) from None

    def _apply(self, loop: RunState, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        """Put the backed-up state in place (any error: the backup does not fit this run)."""
        model = self.model

        def part(prefix: str) -> dict[str, np.ndarray]:
            return {k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)}

        weights = part("model/")
        for name, value in model.state_dict().items():
            saved = weights.get(name)
            if saved is not None and (saved.dtype != value.dtype or not np.isfinite(saved).all()):
                raise ValueError(f"its weights {name!r} are {saved.dtype} or not finite, the model's are "
                                 f"{value.dtype}")
        epoch = meta["epoch"]
        if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
            raise ValueError(f"its epoch {epoch!r} is not a count of epochs")
        model.load_state_dict(weights)
        model.optimizer.load_state_dict({**meta["optimizer"], "state": part("optimizer/")})
        loop.rng.bit_generator.state = meta["rng"]
        for key, generator in _layer_generators(model).items():
            if key in meta["layer_rngs"]:
                generator.bit_generator.state = meta["layer_rngs"][key]
        loop.history.history = _numbers(meta["history"])
        loop.history.epoch = list(meta["history_epochs"])
        loop.history.gradient_norms = _numbers(meta["gradient_norms"])
        for i, (cb, saved) in enumerate(zip(_stateful(loop.callbacks), meta["callbacks"])):
            if type(cb).__name__ == saved["class"]:
                cb.set_state({"json": saved["json"], "arrays": part(f"callback/{i}/")})
        loop.epoch = self.restored_epoch = epoch

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self.delete_on_end and self.path.exists():
            self.path.unlink()
