"""``fit``, ``evaluate`` and ``predict`` on data that arrives in batches (see
:mod:`glassnet.training.streams`): a DataLoader, a generator or iterable of ``(x, y)`` /
``(x, y, w)`` batches, the batches of a Parquet or CSV file, Dask arrays and DataFrames.

Each batch is checked as it arrives (:mod:`glassnet.training.batches`). The loss of
an epoch is the mean over its samples; metrics are computed on the epoch's outputs and
targets, kept batch by batch (one row of outputs per sample).
"""

from __future__ import annotations

import functools
import warnings
from typing import Any

import numpy as np

from glassnet import _random
from glassnet.tensor import Tensor, no_grad
from glassnet.training import loop as _loop
from glassnet.training import prepare as _prep
from glassnet.training import sources as _sources
from glassnet.training import streams as _streams
from glassnet.training.batches import Batches, batches_of
from glassnet.training.callbacks import CallbackList, History, ProgressLogger, TerminateOnNaN
from glassnet.training.evaluation import (
    _added_losses,
    _forward_outputs,
    metric_logs,
    to_outputs,
    validation_scores,
)
from glassnet.training.state import RunState

__all__ = ["fit", "evaluate_batches", "predict_batches"]


def fit(
    model: Any,
    X: Any,
    y: Any,
    epochs: int,
    batch_size: int | None,
    shuffle: bool,
    seed: int | None,
    validation_split: float,
    validation_data: Any,
    validation_steps: int | None,
    callbacks: Any,
    verbose: int,
    steps_per_epoch: int | None,
    initial_epoch: int,
    validation_freq: Any,
    track_gradients: bool,
    class_weight: Any,
    sample_weight: Any,
) -> History:
    """``fit`` on batches (arguments checked by :func:`glassnet.training.loop.fit`)."""
    if class_weight is not None or sample_weight is not None:
        raise ValueError(
            "class_weight and sample_weight are for arrays; batches carry their weights: give "
            "(x, y, sample_weight) batches"
        )
    rng = _random.generator(seed)
    sub_seed = None if seed is None else int(rng.integers(2**31 - 1))
    if _sources.is_dask(X):
        X, y = _sources.dask_batches(X, y, batch_size or 32, shuffle, sub_seed), None
    train_source, val_source = _split_source(X, validation_split, validation_data, sub_seed, what="x")
    batches = batches_of(model, train_source, y, batch_size, shuffle, sub_seed, steps_per_epoch)
    if batches.once and steps_per_epoch is None and epochs - initial_epoch > 1:
        raise ValueError(
            f"x is a generator, which gives its batches once, and fit was asked for "
            f"{epochs - initial_epoch} epochs; give steps_per_epoch (batches per epoch, as in "
            "Keras), pass a re-iterable source (a DataLoader, gn.data.from_parquet, an object whose "
            "__iter__ starts a new pass), or epochs=1"
        )
    xs, ys, _ = batches.first
    _loop._prepare_model(model, xs, seed, batches.dtype)
    model._initial_weights = None
    _prep.check_labels(model, xs, ys)
    val = _validation(model, val_source, validation_steps, xs, ys)
    _loop._bind_optimizer(model)
    return _train(
        model,
        batches,
        val,
        epochs,
        initial_epoch,
        validation_freq,
        callbacks,
        verbose,
        rng,
        track_gradients,
        steps_per_epoch,
        batch_size,
    )


def _split_source(
    X: Any, fraction: float, validation_data: Any, seed: int | None, what: str
) -> tuple[Any, Any]:
    """(training source, validation): ``validation_data``, or the rows of chunked data that a
    seeded row hash holds out."""
    if not fraction or validation_data is not None:
        return X, validation_data
    if not isinstance(X, _streams.ChunkedBatches):
        raise ValueError(
            f"validation_split needs data read in chunks (gn.data.from_parquet, from_csv, Dask); "
            f"{what} is a {type(X).__name__}: give validation_data=(x_val, y_val) or a second "
            "source of batches"
        )
    return X.split(fraction, seed or 0)


def _validation(model: Any, val: Any, steps: int | None, xs: list[np.ndarray], ys: list[np.ndarray]) -> Any:
    if val is None:
        return None
    if isinstance(val, (tuple, list)) and len(val) in (2, 3) and not _streams.is_batches(val[0]):
        return ("arrays", _prep._validation_arrays(model, xs, ys, val, _prep.model_dtype(model)))
    return ("batches", val, steps)


def _train(
    model: Any,
    batches: Batches,
    val: Any,
    epochs: int,
    initial_epoch: int,
    validation_freq: Any,
    callbacks: Any,
    verbose: int,
    rng: np.random.Generator,
    track_gradients: bool,
    steps_per_epoch: int | None,
    batch_size: int | None,
) -> History:
    from glassnet.training import arguments as _args

    history = History()
    user = list(callbacks or [])
    extra: list[Any] = [] if any(isinstance(c, TerminateOnNaN) for c in user) else [TerminateOnNaN()]
    if verbose:
        extra.append(ProgressLogger(verbose))
    every = [history, *extra, *user]
    train_loss = None if batches.once else functools.partial(_train_loss, model, batches)
    state = RunState(initial_epoch, rng, history, every, train_loss)
    rows = getattr(batches.source, "n_rows", None)
    steps = steps_per_epoch or _length(batches.source) or getattr(batches.source, "expected_steps", None)
    cbs = CallbackList(
        every, model, {"epochs": epochs, "steps": steps, "samples": rows, "verbose": verbose, "run": state}
    )
    run = _loop._Run(model, [], [], None, track_gradients)
    model.stop_training = False
    with (
        _prep.model_mode(model, True),
        _loop._blas_threads(model, len(batches.first[0][0])),
        np.errstate(over="ignore", invalid="ignore"),
    ):
        cbs.call("on_train_begin", {})
        for epoch in range(state.epoch, epochs):
            state.validation_skipped = val is not None and not _args.validates(validation_freq, epoch)
            logs = _epoch(run, state, epoch, batches, cbs)
            if batches.exhausted and not logs:
                _ran_out(state, epoch)
                break
            if val is not None and not state.validation_skipped and not model.stop_training:
                logs.update({f"val_{k}": v for k, v in validation_scores(model, val).items()})
            cbs.call("on_epoch_end", epoch, logs)
            if model.stop_training or batches.exhausted:
                if batches.exhausted:
                    _ran_out(state, epoch + 1)
                break
        cbs.call("on_train_end", {})
    history.stopped_reason = state.stop_reason
    return history


def _length(source: Any) -> int | None:
    try:
        return len(source)
    except TypeError:
        return None


def _ran_out(state: RunState, epochs_run: int) -> None:
    state.stop_reason = (
        f"the generator ran out of batches after {epochs_run} epoch(s); it must give "
        "steps_per_epoch x epochs batches"
    )
    warnings.warn(state.stop_reason, RuntimeWarning, stacklevel=4)


def _epoch(run: Any, state: RunState, epoch: int, batches: Batches, cbs: CallbackList) -> dict[str, float]:
    model = run.model
    cbs.call("on_epoch_begin", epoch, {})
    state.take_snapshot(run.params)
    run.norms = {}
    kept: list[tuple[list[np.ndarray], list[np.ndarray]]] = []
    loss_sum = reg_sum = 0.0
    seen = 0
    losses = [loss for loss, _ in model.training_losses()]
    for b, (xs, ys, wb) in enumerate(batches.epoch()):
        size = len(xs[0])
        cbs.call("on_batch_begin", b, {"batch": b, "size": size})
        targets = _loop._prepared_targets(model, xs, ys, losses)
        loss, reg, outs = run.step_on(xs, targets, wb)
        loss_sum, reg_sum, seen = loss_sum + loss * size, reg_sum + reg * size, seen + size
        if model.metric_names:
            kept.append((ys, outs))
        cbs.call("on_batch_end", b, {"batch": b, "size": size, "loss": loss})
        if model.stop_training:
            break
    if not seen:
        return {}
    logs = {"loss": loss_sum / seen}
    if run.penalized:
        logs["reg_loss"] = reg_sum / seen
    if kept and not model.stop_training:
        logs.update(_kept_metrics(model, kept, run.logits))
    if run.track_gradients:
        for name, values in run.norms.items():
            state.history.gradient_norms.setdefault(name, []).append(float(np.mean(values)))
    return logs


def _train_loss(model: Any, batches: Batches) -> float:
    """The data loss over one more pass of the training batches (for ConvergenceStop); not
    measured for a generator, whose batches are training's."""
    with _prep.model_mode(model, False):
        return evaluate_batches(model, batches.source, steps=batches.steps)["loss"]


def evaluate_batches(
    model: Any, source: Any, steps: int | None = None, y: Any = None, what: str = "x"
) -> dict[str, float]:
    """Loss and metrics over the batches of ``source`` (``steps`` of them when given), in
    evaluation mode: the loss weighted by each batch's samples (or its sample weights);
    chunked data (Parquet, CSV, Dask) in file order, whether it shuffles for training or not.

    Examples
    --------
    >>> import numpy as np
    >>> import glassnet as gn
    >>> model = gn.Sequential([gn.layers.Dense(1, input_dim=2)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> X, y = np.ones((6, 2), dtype=np.float32), np.zeros(6, dtype=np.float32)
    >>> loader = gn.data.DataLoader((X, y), batch_size=4)
    >>> abs(evaluate_batches(model, loader)["loss"] - model.evaluate(X, y, verbose=0)) < 1e-6
    True
    """
    if isinstance(source, _streams.ChunkedBatches):
        source = source.in_order()  # a shuffled pass would draw from the order training reads next
    batches = batches_of(model, source, y, None, False, None, steps, what)
    pairs = model.training_losses()
    fused = [f for _, f in pairs]
    total = weight_sum = added = 0.0
    seen = 0
    kept: list[tuple[list[np.ndarray], list[np.ndarray]]] = []
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for xs, ys, wb in batches.epoch():
            if ys is None:
                raise ValueError(f"{what}: evaluate needs batches (x, y), got a batch of x alone")
            raw = _forward_outputs(model, xs, None, fused)
            weight = float(len(xs[0]) if wb is None else wb.sum())
            with no_grad():
                loss = sum(
                    fn(Tensor._make(z, False, None), t, sample_weight=wb).item()
                    for (fn, _), z, t in zip(pairs, raw, ys)
                )
            total, weight_sum, seen = total + loss * weight, weight_sum + weight, seen + len(xs[0])
            if model._added_losses:
                added += _added_losses(model, xs, None) * len(xs[0])
            if model.metric_names:
                kept.append((ys, raw))
    logs = {"loss": total / max(weight_sum, 1e-300) + added / seen}
    if kept:
        logs.update(_kept_metrics(model, kept, fused))
    return logs


def _kept_metrics(
    model: Any, kept: list[tuple[list[np.ndarray], list[np.ndarray]]], fused: Any
) -> dict[str, float]:
    """The metrics over an epoch's ``(targets, raw outputs)`` kept batch by batch."""
    ys = [np.concatenate(parts) for parts in zip(*[k[0] for k in kept])]
    raw = [np.concatenate(parts) for parts in zip(*[k[1] for k in kept])]
    return metric_logs(model, ys, to_outputs(model, raw, fused))


def predict_batches(model: Any, source: Any, steps: int | None = None) -> list[np.ndarray]:
    """The outputs for the batches of ``source``: x alone, or the x of ``(x, y[, w])``; chunked
    data (Parquet, CSV, Dask) in file order, whether it shuffles for training or not.

    Examples
    --------
    >>> import numpy as np
    >>> import glassnet as gn
    >>> model = gn.Sequential([gn.layers.Dense(1, input_dim=2)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> X, y = np.ones((6, 2), dtype=np.float32), np.zeros(6, dtype=np.float32)
    >>> loader = gn.data.DataLoader((X, y), batch_size=4)
    >>> [out.shape for out in predict_batches(model, loader)]
    [(6, 1)]
    """
    if isinstance(source, _streams.ChunkedBatches):
        source = source.in_order()
    batches = batches_of(model, source, None, None, False, None, steps, "x", targets=False)
    outs = [
        _forward_outputs(model, xs, None, ()) for xs, _, _ in batches.epoch()
    ]
    return [np.concatenate(parts) for parts in zip(*outs)]
