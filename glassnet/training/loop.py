"""The training loop: forward, loss, backward, update, for every batch of every epoch."""

from __future__ import annotations

import contextlib
import functools
import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from glassnet import _parallel, _random
from glassnet.function import recording
from glassnet.training import arguments as _args
from glassnet.training import data as _data
from glassnet.training import mapped as _mapped
from glassnet.training import prepare as _prep
from glassnet.training import replay as _replay
from glassnet.training import sources as _sources
from glassnet.training import streams as _streams
from glassnet.training.callbacks import Callback, CallbackList, History, ProgressLogger, TerminateOnNaN
from glassnet.training.evaluation import evaluate, metric_logs, to_outputs, validation_scores
from glassnet.training.state import RunState
from glassnet.training.step import Step, train_step

__all__ = ["fit"]


class _Run:
    """State of one ``fit`` call: the data, the prepared targets, the step and its tapes."""

    def __init__(self, model: Any, xs: list[np.ndarray], ys: list[np.ndarray], weights: np.ndarray | None,
                 track_gradients: bool) -> None:
        self.model, self.xs, self.ys, self.weights = model, xs, ys, weights
        pairs = model.training_losses()
        self.logits = [fused for _, fused in pairs]
        self.targets = _prepared_targets(model, xs, ys, [loss for loss, _ in pairs]) if xs else []
        self.params = model.parameters()
        self.penalties = model.penalty_groups()
        self.penalized = model.regularization_loss(self.penalties) is not None
        self.track_gradients = track_gradients
        custom = getattr(model, "train_step", None)
        self.train_step = custom or functools.partial(train_step, model)
        self.tapes: dict[tuple[Any, ...], _replay.StepTape] | None = (
            {} if custom is None and _replay.replayable(model, [loss for loss, _ in pairs]) else None)
        self.norms: dict[str, list[float]] = {}

    def step(self, index: Any) -> tuple[float, float, list[np.ndarray]]:
        """One training step on the samples ``index``; returns the data loss, the penalty
        and the outputs (logits where the loss is fused).

        The model's own ``train_step`` method when it has one, else :func:`train_step`,
        or, for a model of static-graph layers, the replay of the step recorded for this
        input shape (:mod:`glassnet.training.replay`; the same numbers)."""
        xs = [x[index] for x in self.xs]
        ys = [t[index] for t in self.targets]
        wb = None if self.weights is None else self.weights[index]
        return self.step_on(xs, ys, wb)

    def step_on(self, xs: list[np.ndarray], ys: list[np.ndarray],
                wb: np.ndarray | None) -> tuple[float, float, list[np.ndarray]]:
        """One training step on the batch ``xs``, its prepared targets ``ys`` and weights ``wb``."""
        if self.tapes is None:
            step = self.train_step(xs, ys, wb)
            return self._finished(*_values(step))
        key = (tuple(x.shape for x in xs), *[(reg.l1, reg.l2) for reg, _ in self.penalties])
        tape = self.tapes.get(key)
        if tape is not None and tape.flags == tape.leaf_flags():
            return self._finished(*tape.step(self.model.optimizer, xs, ys, wb))
        with recording() as calls:
            step = train_step(self.model, xs, ys, wb)
        result = _values(step)
        if math.isfinite(result[0]):
            self.tapes[key] = _replay.StepTape(calls, xs, ys, step)
        return self._finished(*result)

    def _finished(self, loss: float, penalty: float,
                  outs: list[np.ndarray]) -> tuple[float, float, list[np.ndarray]]:
        if self.track_gradients and math.isfinite(loss):
            self._record_gradient_norms()
        return loss, penalty, outs

    def _record_gradient_norms(self) -> None:
        for layer in self.model.layers:
            grads = [p.grad for p in layer.parameters() if p.grad is not None]
            if grads:
                norm = float(np.sqrt(sum(float(np.vdot(g, g)) for g in grads)))
                self.norms.setdefault(layer.name, []).append(norm)


def _values(step: Step) -> tuple[float, float, list[np.ndarray]]:
    """The data loss, the penalty (the loss plus the penalty when not finite: the step
    made no update) and the output arrays of a step."""
    loss = step.loss.item()
    penalty = 0.0 if step.penalty is None else step.penalty.item()
    if not math.isfinite(loss + penalty):
        loss += penalty
    return loss, penalty, [o.data for o in step.outputs]


def _prepared_targets(model: Any, xs: list[np.ndarray], ys: list[np.ndarray],
                      losses: list[Any]) -> list[np.ndarray]:
    """Targets validated and converted once for the whole run, for the outputs' shapes."""
    n = xs[0].shape[0]
    return [loss.prepare_target(y, (n, *shape), model.dtype)
            for loss, y, shape in zip(losses, ys, model.output_shapes())]


def fit(
    model: Any,
    X: Any,
    y: Any = None,
    epochs: int = 1,
    batch_size: int | None = 32,
    shuffle: bool = True,
    validation_split: float = 0.0,
    validation_data: tuple[Any, Any] | None = None,
    callbacks: Sequence[Callback] | None = None,
    verbose: int = 1,
    seed: int | None = None,
    class_weight: dict[Any, float] | str | None = None,
    sample_weight: Any = None,
    validation_split_mode: str = "random",
    track_gradients: bool = False,
    initial_epoch: int = 0,
    validation_freq: int | Sequence[int] = 1,
    steps_per_epoch: int | None = None,
    validation_steps: int | None = None,
) -> History:
    """Train ``model`` on (X, y) by mini-batch gradient descent.

    Each epoch visits every training sample once, in batches: forward, loss (plus the
    weight penalties), backward, update. ``batch_size=None`` is full-batch gradient
    descent, ``batch_size=1`` stochastic gradient descent.

    Every argument is checked before any training: a wrong type raises a TypeError, a
    value out of range a ValueError, each naming the argument and what it accepts.

    Parameters
    ----------
    X, y : arrays, pandas objects, or a scikit-learn Bunch (then y may be omitted)
        Lists of arrays for several inputs / outputs. Class labels may be integers,
        integer-valued floats (``0.0, 1.0, 2.0``) or one-hot rows.
    epochs : int >= 1
    batch_size : int >= 1 or None, default 32
    shuffle : bool, default True
        Visit the samples in a new random order every epoch.
    validation_split : float in [0, 1), default 0
        Fraction of the data held out for validation. glassnet draws a seeded random
        split, stratified for classification. Keras differs: it takes the last fraction of
        the samples, unshuffled; ``validation_split_mode="last"`` does exactly that (the
        first floor(n (1 - validation_split)) samples train), as ordered data such as
        time series need.
    validation_data : (X_val, y_val) or (X_val, y_val, sample_weight), optional
        Checked and converted before training, like X and y; overrides
        ``validation_split``, as in Keras.
    validation_freq : int >= 1 or list of int, default 1
        Validate every n-th epoch, or at the listed epochs (counted from 1), as in Keras.
        The other epochs log no ``val_`` values: History holds NaN there (Keras's lists
        are shorter instead; take ``np.nanmin``), and the callbacks watching a ``val_``
        quantity skip them.
    steps_per_epoch : int >= 1, optional
        Batches per epoch, at most one pass over the data; the pass continues in the next
        epoch, and an epoch that reaches its end stops there, as Keras reads arrays. A
        run resumed by BackupAndRestore starts a new pass. Default: one pass per epoch.
    callbacks : list of Callback
        Added to History and TerminateOnNaN (always on) and the progress display.
    verbose : {0, 1, 2} or "auto" (= 1)
        0 silent; 1 a progress bar per epoch on a terminal, one line otherwise; 2 one line.
    seed : int >= 0, optional
        Seeds initialization (if not yet built), shuffling, the split and dropout: the
        same seed gives bitwise the same weights and history.
    class_weight : dict {class: weight} or "balanced", optional
        Weights finite and >= 0, keyed by classes found in y.
    sample_weight : array (N,), optional
        One finite weight >= 0 per sample, not all zero.
    validation_split_mode : {"random", "last"}, default "random"
    track_gradients : bool, default False
        Record the mean per-layer gradient norm of every epoch in ``History.gradient_norms``.
    initial_epoch : int in [0, epochs), default 0
        Epoch to start from (for resuming); ``epochs`` counts from the start, as in Keras.
    validation_steps : int >= 1, optional
        Batches of a ``validation_data`` source (a DataLoader, generator, or
        :func:`glassnet.data.from_parquet`) read per validation; default: one pass.

    Returns
    -------
    History

    Notes
    -----
    Each batch is one :func:`~glassnet.training.step.train_step`, or the model's own
    ``train_step(x, y, sample_weight)`` method where its class defines one (Keras's hook).

    Data larger than memory: X may also be a memory-mapped array (``np.load(path,
    mmap_mode="r")``: read batch by batch, in the same order as the array in memory, so
    the same weights, bit for bit), or a source of batches, ``(x, y)`` or ``(x, y,
    sample_weight)``: a :class:`~glassnet.data.DataLoader`, a generator or other iterable
    (Keras's generator form; a generator gives its batches once, so several epochs need
    ``steps_per_epoch``), :func:`glassnet.data.from_parquet` / ``from_csv``, or Dask
    arrays / DataFrames (X and y, one partition at a time). A source brings its own
    batches: ``batch_size`` and ``shuffle`` apply to Dask collections only, and
    ``validation_split`` to chunked data only, held out by a seeded hash of the row
    (see :mod:`glassnet.training.streams`), not stratified.

    Examples
    --------
    >>> model = gn.Sequential([gn.layers.Dense(1, input_dim=1)], seed=0)
    >>> model.compile(optimizer=gn.optim.SGD(lr=0.1), loss="mse")
    >>> X = np.linspace(0, 1, 8).reshape(-1, 1)
    >>> history = gn.training.fit(model, X, 3 * X, epochs=50, batch_size=4, verbose=0, seed=0)
    >>> print(round(history.history["loss"][-1], 4), round(float(model.layers[0].W.numpy()[0, 0]), 2))
    0.0047 2.8
    """
    if not model.compiled:
        raise RuntimeError("fit() called before compile(): call model.compile(optimizer=..., loss=...) first")
    _args.check_fit(epochs, batch_size, verbose, shuffle, validation_split, validation_data, callbacks, seed,
                    class_weight, validation_split_mode, track_gradients, initial_epoch, validation_freq,
                    steps_per_epoch)
    verbose = _args.check_verbose(verbose)
    chunked = isinstance(X, _streams.ChunkedBatches) or _sources.is_dask(X)
    _args.check_validation_steps(validation_steps, batches=_streams.is_batches(validation_data) or (
        validation_data is None and bool(validation_split) and chunked))
    _args.check_validation_source(validation_data, validation_steps, validation_freq, initial_epoch, epochs)
    if _streams.is_batches(X) or chunked:
        from glassnet.training import streamed

        return streamed.fit(model, X, y, epochs, batch_size, shuffle, seed, validation_split, validation_data,
                            validation_steps, callbacks, verbose, steps_per_epoch, initial_epoch,
                            validation_freq, track_gradients, class_weight, sample_weight)
    X, y = _data.unpack_bunch(X, y)
    dtype = _prep.model_dtype(model)
    xs = _prep.inputs(model, X, dtype)
    ys = _prep.targets(model, y, dtype, xs[0].shape[0])
    rng = _random.generator(seed)
    _prepare_model(model, xs, seed, dtype)
    model._initial_weights = None  # trained from here on: predict no longer warns
    _prep.check_labels(model, xs, ys)
    weights = _prep.sample_weights(model, ys, class_weight, sample_weight, xs[0].shape[0], dtype)
    if _streams.is_batches(validation_data):
        train_idx, val = None, ("batches", validation_data, validation_steps)
    else:
        train_idx, arrays = _prep.split(model, xs, ys, weights, rng, validation_split, validation_data,
                                        validation_split_mode, dtype)
        val = None if arrays is None else ("arrays", arrays)
    if train_idx is not None:
        xs, ys = [_mapped.take(x, train_idx) for x in xs], [t[train_idx] for t in ys]
        weights = None if weights is None else weights[train_idx]
    _bind_optimizer(model)
    history = History()
    user = list(callbacks or [])
    extra: list[Callback] = [] if any(isinstance(c, TerminateOnNaN) for c in user) else [TerminateOnNaN()]
    if verbose:
        extra.append(ProgressLogger(verbose))
    n = xs[0].shape[0]
    stream = _data.EpochBatches(n, batch_size, rng if shuffle else None, steps_per_epoch)
    _args.check_steps(steps_per_epoch, stream.per_pass, n, batch_size)
    steps = steps_per_epoch or stream.per_pass
    every = [history, *extra, *user]
    loop = RunState(initial_epoch, rng, history, every,
                     functools.partial(_train_loss, model, xs, ys, weights))
    cbs = CallbackList(every, model, {"epochs": epochs, "steps": steps, "samples": n, "verbose": verbose,
                                      "run": loop})
    run = _Run(model, xs, ys, weights, track_gradients)
    model.stop_training = False
    # Overflow shows up as a non-finite loss, which TerminateOnNaN reports with its epoch and batch.
    with _prep.model_mode(model, True), _blas_threads(model, batch_size or n), \
            np.errstate(over="ignore", invalid="ignore"):
        cbs.call("on_train_begin", {})
        for epoch in range(loop.epoch, epochs):
            loop.validation_skipped = val is not None and not _args.validates(validation_freq, epoch)
            logs = _run_epoch(run, loop, epoch, stream, cbs)
            if val is not None and not loop.validation_skipped and not model.stop_training:
                logs.update({f"val_{k}": v for k, v in validation_scores(model, val).items()})
            cbs.call("on_epoch_end", epoch, logs)
            if model.stop_training:
                break
        cbs.call("on_train_end", {})
    history.stopped_reason = loop.stop_reason
    return history


def _train_loss(model: Any, xs: list[np.ndarray], ys: list[np.ndarray], weights: np.ndarray | None) -> float:
    """The data loss on the training rows at the current weights, in evaluation mode."""
    with _prep.model_mode(model, False):
        scores = evaluate(model, xs if len(xs) > 1 else xs[0], ys if len(ys) > 1 else ys[0],
                          sample_weight=weights, verbose=0, return_dict=True)
    return scores["loss"]


def _prepare_model(model: Any, xs: list[np.ndarray], seed: int | None, dtype: np.dtype) -> None:
    if not model.built:
        if seed is not None:
            model._seed_layers(seed)
        model.build([x.shape[1:] for x in xs][0] if model.n_inputs == 1 else None, dtype=dtype)
    if seed is not None:
        children = np.random.SeedSequence([seed, 1]).spawn(max(len(model.layers), 1))
        for layer, child in zip(model.layers, children):
            if hasattr(layer, "rate") and getattr(layer, "seed", None) is None:
                layer.rng = np.random.default_rng(child)


def _bind_optimizer(model: Any) -> None:
    params = model.parameters()
    opt = model.optimizer
    bound = getattr(opt, "params", None) or []
    if len(bound) != len(params) or any(a is not b for a, b in zip(bound, params)):
        opt.bind(params)


def _run_epoch(run: _Run, state: RunState, epoch: int, stream: _data.EpochBatches,
               cbs: CallbackList) -> dict[str, float]:
    model = run.model
    n = run.xs[0].shape[0]
    cbs.call("on_epoch_begin", epoch, {})
    state.take_snapshot(run.params)
    run.norms = {}
    want_outputs = bool(model.metric_names)
    collected: list[list[tuple[Any, np.ndarray]]] = [[] for _ in run.ys]
    loss_sum = reg_sum = 0.0
    seen = 0
    batch_listeners = cbs.listeners("on_batch_end")
    begin_listeners = cbs.listeners("on_batch_begin")
    for b, index in enumerate(stream.epoch()):
        size = len(range(n)[index]) if isinstance(index, slice) else len(index)
        if begin_listeners:
            for method in begin_listeners:
                method(b, {"batch": b, "size": size})
        loss, reg, outs = run.step(index)
        loss_sum += loss * size
        reg_sum += reg * size
        seen += size
        if want_outputs:
            for store, o in zip(collected, outs):
                store.append((index, o))
        if batch_listeners:
            logs = {"batch": b, "size": size, "loss": loss}
            for method in batch_listeners:
                method(b, logs)
        if model.stop_training:
            break
    logs = {"loss": loss_sum / max(seen, 1)}
    if run.penalized:
        logs["reg_loss"] = reg_sum / max(seen, 1)
    if want_outputs and not model.stop_training:
        ys, raw = _epoch_outputs(run.ys, collected, n, seen)
        logs.update(metric_logs(model, ys, to_outputs(model, raw, run.logits)))
    if run.track_gradients:
        for name, values in run.norms.items():
            state.history.gradient_norms.setdefault(name, []).append(float(np.mean(values)))
    return logs


def _epoch_outputs(ys: list[np.ndarray], collected: list[list[tuple[Any, np.ndarray]]], n: int,
                   seen: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The targets and outputs of the samples an epoch visited: every sample, in the data's
    order, or (``steps_per_epoch``) those of its batches, in the order visited."""
    if seen == n:
        return ys, [_gather(store, n) for store in collected]
    rows = np.concatenate([np.arange(n)[index] for index, _ in collected[0]])
    return [y[rows] for y in ys], [np.concatenate([o for _, o in store]) for store in collected]


def _gather(store: list[tuple[Any, np.ndarray]], n: int) -> np.ndarray:
    first = store[0][1]
    out = np.empty((n, *first.shape[1:]), dtype=first.dtype)
    for index, values in store:
        out[index] = values
    return out


@contextlib.contextmanager
def _blas_threads(model: Any, batch_size: int) -> Iterator[None]:
    """One BLAS thread when the largest matrix product of a step is small, where a second
    thread costs more than it gives: two threads pay off from a batch times the largest
    weight matrix of 2^21 multiply-adds (784x256 weights at batch 16); smaller products,
    such as 64x64 weights at batch 32, train faster on one (``benchmarks/mlp.py``)."""
    largest = max((p.size for p in model.parameters() if p.ndim >= 2), default=0)
    if batch_size * largest >= 2**21:
        yield
        return
    with _parallel.one_blas_thread():
        yield
