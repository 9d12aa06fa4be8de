"""The callback contract of the training loop, and the callbacks every run has.

A callback sees ``on_train_begin/end``, ``on_epoch_begin/end`` and ``on_batch_begin/end``
with a ``logs`` dict (``loss``, ``reg_loss``, each metric and their ``val_`` versions at
epoch end; ``batch``, ``size`` and, at its end, ``loss`` for a batch). Keras's names of the
batch hooks, ``on_train_batch_begin/end``, are called in their place when a callback
defines them. It reaches the model through ``self.model`` and stops training by setting
``self.model.stop_training = True``.
"""

from __future__ import annotations

import math
import sys
import time
import warnings
from typing import Any

import numpy as np

__all__ = ["Callback", "CallbackList", "History", "TerminateOnNaN", "ProgressLogger", "LambdaCallback"]

#: Keras's name of each batch hook: a callback that defines it has it called instead.
_KERAS_BATCH_HOOKS = {"on_batch_begin": "on_train_batch_begin", "on_batch_end": "on_train_batch_end"}

#: Keras's hooks of evaluate and predict: fit runs neither, so a callback defining one is refused.
_NOT_CALLED = tuple(f"on_{kind}_{what}" for kind in ("test", "predict")
                    for what in ("begin", "end", "batch_begin", "batch_end"))


class Callback:
    """Base class: override the hooks you need; each receives the logs dict.

    At each hook, callbacks run in increasing ``order`` (then in the order given): the
    recorders (History, the progress display: 10; BackupAndRestore: 20) run after the
    callbacks that add to the logs or change the optimizer (0), so they see the result.

    Examples
    --------
    A callback of one's own overrides the hooks it needs (Keras's names):

    >>> class PrintLoss(gn.callbacks.Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         print(epoch, round(logs["loss"], 4))
    ...
    >>> model = gn.Sequential([gn.layers.Dense(1, input_dim=1)], seed=0)
    >>> model.compile(optimizer=gn.optim.SGD(lr=0.1), loss="mse")
    >>> X = np.array([[0.0], [1.0], [2.0]])
    >>> _ = model.fit(X, 2 * X, epochs=2, verbose=0, callbacks=[PrintLoss()])
    0 0.3613
    1 0.1115
    """

    order: int = 0
    model: Any = None
    params: dict[str, Any]

    def set_model(self, model: Any) -> None:
        self.model = model

    def set_params(self, params: dict[str, Any]) -> None:
        """Run settings: epochs, steps (batches per epoch), samples, verbose, and the run's
        state (``run``)."""
        self.params = params

    @property
    def run(self) -> Any:
        """The :class:`~glassnet.training.state.RunState` of the ``fit`` that calls this
        callback (stop reason, weight snapshot, epoch, shuffling generator)."""
        return self.params["run"]

    def logs_incomplete(self) -> bool:
        """Whether this epoch's logs may lack values that others hold: training is stopping (the
        epoch was cut short: divergence, an interrupt) or the run skipped its validation
        (``validation_freq``)."""
        run = (getattr(self, "params", None) or {}).get("run")
        return bool(self.model.stop_training) or bool(getattr(run, "validation_skipped", False))

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None: ...

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None: ...

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None: ...

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None: ...

    def on_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None: ...

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None: ...

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None: ...

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None: ...


def _defines(cb: Callback, hook: str) -> bool:
    """Whether ``cb`` has its own ``hook``: a method of its class, or a function of its own."""
    method = getattr(cb, hook, None)
    if method is None:
        return False
    empty = getattr(Callback, hook, None)
    return empty is None or getattr(method, "__func__", None) is not empty


def _check_hooks(cb: Callback) -> None:
    """A TypeError for a callback that defines a hook of Keras's evaluate or predict."""
    defined = [hook for hook in _NOT_CALLED if _defines(cb, hook)]
    if defined:
        raise TypeError(
            f"{type(cb).__name__} defines {', '.join(defined)}, which glassnet never calls: fit runs the "
            "validation without batch hooks, and evaluate and predict take no callbacks. Read the val_ "
            "values in on_epoch_end(epoch, logs)")


class CallbackList:
    """Calls every callback's hook in order."""

    def __init__(self, callbacks: list[Callback], model: Any, params: dict[str, Any]) -> None:
        for cb in callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks must be glassnet Callback objects, got {type(cb).__name__}")
            _check_hooks(cb)
            cb.set_model(model)
            cb.set_params(params)
        self.callbacks = sorted(callbacks, key=lambda cb: cb.order)
        self._listeners: dict[str, list[Any]] = {}

    def call(self, hook: str, *args: Any) -> None:
        for method in self.listeners(hook):
            method(*args)

    def listeners(self, hook: str) -> list[Any]:
        """The callbacks' bound ``hook`` methods, in order, leaving out those that keep the
        empty one of :class:`Callback` (looked up once per hook: a batch-end call then
        costs nothing for the callbacks that ignore batches). For a batch hook, a callback's
        own Keras-named hook (``on_train_batch_end``) is called in its place."""
        methods = self._listeners.get(hook)
        if methods is None:
            keras = _KERAS_BATCH_HOOKS.get(hook)
            methods = self._listeners[hook] = []
            for cb in self.callbacks:
                if keras is not None and _defines(cb, keras):
                    methods.append(getattr(cb, keras))
                elif _defines(cb, hook):
                    methods.append(getattr(cb, hook))
        return methods


class History(Callback):
    """Records the logs of every epoch: ``history["loss"]``, ``history["val_accuracy"]``, ...

    Always attached by ``fit``, which returns it. ``epoch`` lists the epoch numbers, and
    every list of ``history`` has one value per epoch: NaN where an epoch did not log that
    quantity (an epoch cut short by divergence or an interrupt has no validation values),
    so that ``pandas.DataFrame(history.history)`` works. ``stopped_reason`` says why
    training ended early (None when it ran every epoch); ``gradient_norms`` holds
    per-layer gradient norms per epoch with ``track_gradients=True``.

    Examples
    --------
    >>> model = gn.Sequential([gn.layers.Dense(1, input_dim=1)], seed=0)
    >>> model.compile(optimizer=gn.optim.SGD(lr=0.1), loss="mse")
    >>> X = np.array([[0.0], [1.0], [2.0]])
    >>> history = model.fit(X, 2 * X, epochs=3, verbose=0)
    >>> type(history).__name__, history.epoch, len(history.history["loss"])
    ('History', [0, 1, 2], 3)
    """

    order = 10

    def __init__(self) -> None:
        self.history = {}
        self.epoch: list[int] = []
        self.stopped_reason: str | None = None
        self.gradient_norms: dict[str, list[float]] = {}

    @property
    def history(self) -> dict[str, list[float]]:
        """The logged values by name; a name not logged raises a KeyError that lists those logged."""
        return self._history

    @history.setter
    def history(self, values: dict[str, list[float]]) -> None:
        self._history = _Logged(values)

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.stopped_reason = None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        done = len(self.epoch)
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, [math.nan] * done).append(value)
        for values in self.history.values():
            if len(values) == done:
                values.append(math.nan)

    def __repr__(self) -> str:
        return f"History(epochs={len(self.epoch)}, keys={sorted(self.history)})"


#: Keras's names of logged quantities that glassnet logs under another name.
_LOGGED_AS = {"learning_rate": "lr", "acc": "accuracy", "val_acc": "val_accuracy"}


class _Logged(dict):
    """History's dict: a missing name is a KeyError that says what was logged (and the name
    glassnet uses where Keras's differs)."""

    def __missing__(self, key: Any) -> list[float]:
        ours = _LOGGED_AS.get(key)
        hint = f"; glassnet logs it as {ours!r}" if ours in self else ""
        raise KeyError(f"{key!r} was not logged{hint}; the history holds {sorted(self)}")


class TerminateOnNaN(Callback):
    """Stops training when the loss becomes NaN or inf, and restores the last finite weights.

    On by default in ``fit``. The warning names the epoch and batch where it happened.

    Examples
    --------
    >>> import warnings
    >>> model = gn.Sequential([gn.layers.Dense(1, input_dim=1)], seed=0)
    >>> model.compile(optimizer=gn.optim.SGD(lr=1e6), loss="mse")
    >>> X = np.array([[1e3], [2e3]])
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     history = model.fit(X, X, epochs=20, verbose=0, callbacks=[gn.callbacks.TerminateOnNaN()])
    ...
    >>> len(history.history["loss"]) < 20, str(caught[0].message)[:25]
    (True, 'training stopped: the los')
    """

    def __init__(self) -> None:
        self.epoch = 0

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.epoch = epoch

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is None or math.isfinite(loss):
            return
        self.model.stop_training = True
        restored = self.run.restore_last_finite_weights()
        message = (
            f"training stopped: the loss became {loss} at epoch {self.epoch + 1}, batch {batch + 1}; "
            + ("the last finite weights were restored" if restored else "the weights are still finite")
            + ". Lower the learning rate, scale the inputs, or clip gradients (clipnorm=...)."
        )
        self.run.stop_reason = message
        warnings.warn(message, RuntimeWarning, stacklevel=2)


class ProgressLogger(Callback):
    """A progress bar per epoch on a terminal (rich), one line per epoch otherwise.

    Parameters
    ----------
    verbose : int
        0 silent, 1 bar or line per epoch, 2 one line per epoch even on a terminal.
    stream : file-like, optional
        Where to write; standard output by default.

    Examples
    --------
    >>> import io
    >>> stream = io.StringIO()
    >>> model = gn.Sequential([gn.layers.Dense(1, input_dim=1)], seed=0)
    >>> model.compile(loss="mse")
    >>> X = np.array([[0.0], [1.0]])
    >>> logger = gn.callbacks.ProgressLogger(verbose=2, stream=stream)
    >>> _ = model.fit(X, X, epochs=2, verbose=0, callbacks=[logger])
    >>> stream.getvalue().count("loss") >= 2
    True
    """

    order = 10

    def __init__(self, verbose: int = 1, stream: Any = None) -> None:
        self.verbose = verbose
        self.stream = stream if stream is not None else sys.stdout
        self._progress: Any = None
        self._task: Any = None
        self._start = 0.0

    def _use_bar(self) -> bool:
        return self.verbose == 1 and hasattr(self.stream, "isatty") and self.stream.isatty()

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._start = time.perf_counter()
        if self._use_bar():
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                TextColumn(f"epoch {epoch + 1}/{self.params['epochs']}"), BarColumn(),
                MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("{task.fields[logs]}"),
                transient=False,
            )
            self._progress.start()
            self._task = self._progress.add_task("train", total=self.params["steps"], logs="")

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self._progress is not None:
            loss = (logs or {}).get("loss", float("nan"))
            self._progress.update(self._task, advance=1, logs=f"loss {loss:.4g}")

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        text = " - ".join(f"{k}: {v:.4g}" for k, v in (logs or {}).items() if np.isscalar(v))
        seconds = time.perf_counter() - self._start
        if self._progress is not None:
            self._progress.update(self._task, logs=text)
            self._progress.stop()
            self._progress = None
        elif self.verbose:
            print(f"epoch {epoch + 1}/{self.params['epochs']} - {seconds:.2f}s - {text}",
                  file=self.stream, flush=True)


class LambdaCallback(Callback):
    """A callback made of functions given for the hooks, as Keras's ``LambdaCallback``.

    Parameters
    ----------
    on_epoch_begin, on_epoch_end : callable, optional
        ``fn(epoch, logs)``.
    on_train_begin, on_train_end : callable, optional
        ``fn(logs)``.
    on_train_batch_begin, on_train_batch_end : callable, optional
        ``fn(batch, logs)``; Keras's older names ``on_batch_begin``, ``on_batch_end`` are
        accepted too.

    Examples
    --------
    >>> losses = []
    >>> keep = LambdaCallback(on_epoch_end=lambda epoch, logs: losses.append(logs["loss"]))
    >>> # model.fit(X, y, epochs=5, callbacks=[keep])
    """

    _HOOKS = ("on_epoch_begin", "on_epoch_end", "on_train_begin", "on_train_end", "on_train_batch_begin",
              "on_train_batch_end", "on_batch_begin", "on_batch_end")

    def __init__(self, on_epoch_begin: Any = None, on_epoch_end: Any = None, on_train_begin: Any = None,
                 on_train_end: Any = None, on_train_batch_begin: Any = None, on_train_batch_end: Any = None,
                 **hooks: Any) -> None:
        unknown = sorted(set(hooks) - set(self._HOOKS))
        if unknown:
            raise TypeError(f"LambdaCallback got {', '.join(unknown)}; it takes {', '.join(self._HOOKS)} "
                            "(fit calls no evaluate or predict hooks)")
        given = {"on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end,
                 "on_train_begin": on_train_begin, "on_train_end": on_train_end,
                 "on_train_batch_begin": on_train_batch_begin, "on_train_batch_end": on_train_batch_end,
                 **hooks}
        for hook, fn in given.items():
            if fn is None:
                continue
            if not callable(fn):
                raise TypeError(f"LambdaCallback: {hook} must be a function, got {fn!r}")
            setattr(self, hook, fn)
