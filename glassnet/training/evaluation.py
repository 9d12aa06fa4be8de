"""``predict`` and ``evaluate``: the model's outputs, loss and metrics on data, without training."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from glassnet import activations
from glassnet._checks import check_flag
from glassnet.layers.module import evaluating
from glassnet.models.added_losses import added_loss
from glassnet.tensor import Tensor, no_grad
from glassnet.training import arguments as _args
from glassnet.training import data as _data
from glassnet.training import forward as _forward
from glassnet.training import mapped as _mapped
from glassnet.training import prepare as _prep
from glassnet.training import raw_inputs as _raw
from glassnet.training import sources as _sources
from glassnet.training import streams as _streams

__all__ = ["predict", "evaluate", "to_outputs", "metric_logs", "validation_scores"]

#: Rows of memory-mapped inputs computed at a time when ``batch_size`` is None.
_MAPPED_CHUNK_ROWS = 1024


def to_outputs(model: Any, raw: list[np.ndarray], fused: list[bool]) -> list[np.ndarray]:
    """Apply the final activation to outputs that were kept as logits."""
    out = []
    with no_grad():
        for z, flag, act in zip(raw, fused, model.output_activations):
            out.append(activations.get(act)(Tensor._make(z, False, None)).data if flag else z)
    return out


def metric_logs(model: Any, ys: list[np.ndarray], outs: list[np.ndarray]) -> dict[str, float]:
    """The compiled metrics of the first output, by name. An output layer that reads its output
    as a distribution (a GaussianHead, a QuantileHead) is scored by its point prediction, the
    mean of its ``mean_std``."""
    if not model.metric_names:
        return {}
    head = model.final_layer(0)
    out = head.mean_std(outs[0])[0] if hasattr(head, "mean_std") else outs[0]
    return {name: fn(ys[0], out) for name, fn in zip(model.metric_names, model._metric_fns)}


def _forward_outputs(model: Any, xs: list[np.ndarray], batch_size: int | None,
                     fused: Sequence[bool]) -> list[np.ndarray]:
    """The outputs for the inputs ``xs`` in evaluation mode (logits where ``fused``),
    ``batch_size`` rows at a time (all at once for None)."""
    n = xs[0].shape[0]
    if (batch_size is None or batch_size >= n) and not _mapped.any_mapped(xs):
        return _forward.outputs(model, xs, fused)
    size = _chunk_rows(xs, batch_size)
    if size >= n:
        return _forward.outputs(model, [x[:] for x in xs], fused)
    chunks = [_forward.outputs(model, [x[start:start + size] for x in xs], fused)
              for start in range(0, n, size)]
    return [np.concatenate(parts) for parts in zip(*chunks)]


def _chunk_rows(xs: list[Any], batch_size: int | None) -> int:
    """The rows computed at a time: ``batch_size``; all for None, but ``_MAPPED_CHUNK_ROWS``
    for memory-mapped inputs (read chunk by chunk, their activations kept small)."""
    if batch_size is not None:
        return batch_size
    return _MAPPED_CHUNK_ROWS if _mapped.any_mapped(xs) else xs[0].shape[0]


def _ensure_built(model: Any, what: str) -> None:
    """Build a model whose input shape is known (Inputs, ``input_dim``, a built first
    layer); refuse one whose input shape is unknown: its weights do not exist yet."""
    if model.built:
        return
    try:
        model._input_shapes(None)
    except ValueError:
        raise ValueError(
            f"{what}() called on model {model.name!r}, which has not been built: its weights do not exist "
            "yet. Train it with model.fit(X, y), create the weights with model.build(input_shape) (or "
            "give the first layer input_dim=...), or load a trained model with gn.load(path)") from None
    model.build()


def _warn_if_untrained(model: Any) -> None:
    """Warn, once per model, when ``predict`` meets the weights the model was built with."""
    initial = getattr(model, "_initial_weights", None)
    if initial is None:
        return
    model._initial_weights = None
    if model.parameters() and model._weights_fingerprint() == initial:
        warnings.warn(
            f"model {model.name!r} predicts with the random weights it was built with: it was never trained "
            "(fit) nor loaded (gn.load, load_weights). Shown once per model", UserWarning, stacklevel=4)


def predict(model: Any, X: Any = None, batch_size: int | None = None, verbose: Any = 0, x: Any = None,
            steps: int | None = None) -> Any:
    """The model's outputs for X (NumPy), in evaluation mode and without a graph.

    Raises a ValueError for a model that was never built (a Sequential model without an
    input shape, before ``fit``); warns once (UserWarning) when a built model still holds
    the weights it was initialized with. ``verbose`` is accepted as in Keras and prints
    nothing; ``x=`` is accepted for ``X``.

    Parameters
    ----------
    model : Model
        A built model.
    X : array_like, default None
        The inputs.
    batch_size : int, optional
        Samples per batch; all at once when None.
    verbose : object, default 0
        Accepted as in Keras; prints nothing.
    x : array_like, optional
        Keras's name for ``X``.

    Returns
    -------
    ndarray or list of ndarray
        The outputs, one array per model output.

    Examples
    --------
    >>> model = gn.Sequential([gn.layers.Dense(1, input_dim=2)], seed=0)
    >>> model.compile(loss="mse")
    >>> X = np.array([[1.0, 2.0], [0.0, 1.0]])
    >>> _ = model.fit(X, np.array([[3.0], [1.0]]), epochs=1, verbose=0)
    >>> model.predict(X).shape, np.array_equal(gn.training.predict(model, X), model.predict(X))
    ((2, 1), True)
    """
    if X is None or x is not None:
        X = _args.data_argument("predict", X, x)
    _args.check_batch_size(batch_size)
    _args.check_verbose(verbose)
    batches = type(X) is not np.ndarray and (_streams.is_batches(X) or _sources.is_dask(X))
    if steps is not None:
        _args.check_validation_steps(steps, "steps", batches, "X")
    _ensure_built(model, "predict")
    _warn_if_untrained(model)
    if batches:
        from glassnet.training.streamed import predict_batches

        outs = predict_batches(model, X, steps)
        return outs if len(outs) > 1 else outs[0]
    X = _raw.preprocessed(model, X, "predict")
    xs = _prep.inputs(model, X, _prep.model_dtype(model))
    try:
        outs = _outputs_raising(model, xs, batch_size)
    except FloatingPointError:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            outs = _forward_outputs(model, xs, batch_size, ())
        _warn_if_not_finite(outs)
    return outs if len(outs) > 1 else outs[0]


@np.errstate(over="raise", invalid="raise", divide="raise")
def _outputs_raising(model: Any, xs: list[np.ndarray], batch_size: int | None) -> list[np.ndarray]:
    """The outputs, NumPy's floating-point errors raised rather than printed as its warnings:
    the rare prediction that meets one runs again with them ignored, and glassnet says what
    they mean for the outputs. The common case pays one errstate (cheaper as a decorator
    than as a ``with`` block), no scan."""
    return _forward_outputs(model, xs, batch_size, ())


def _warn_if_not_finite(outs: list[np.ndarray]) -> None:
    bad = sum(int(np.count_nonzero(~np.isfinite(o))) for o in outs)
    if bad:
        total = sum(o.size for o in outs)
        warnings.warn(
            f"predict: {bad} of the {total} outputs are NaN or inf: the computation overflowed the "
            "model's float type (inputs or weights too large). Scale the inputs (e.g. "
            "sklearn.preprocessing.StandardScaler) or use a model with dtype=np.float64",
            RuntimeWarning, stacklevel=4)


def evaluate(model: Any, X: Any, y: Any = None, batch_size: int | None = None, verbose: Any = 1,
             sample_weight: Any = None, return_dict: bool = False, steps: int | None = None) -> Any:
    """Loss and metrics of ``model`` on (X, y), in evaluation mode (Keras's convention).

    Returns the loss (a float) when the model has no metrics, else the list ``[loss,
    *metrics]`` in ``model.metrics_names`` order; ``return_dict=True`` gives
    ``{"loss": ..., metric: ...}``. ``verbose`` 1 or 2 prints these as one line, 0 nothing.

    X may also be a memory-mapped array (read ``batch_size`` rows at a time, 1024 when
    None) or a source of ``(x, y[, w])`` batches, as ``fit`` takes them (``steps``: the
    batches to read, default one pass); the loss is then the mean over the samples read.

    Parameters
    ----------
    model : Model
        A compiled, built model.
    X : array_like
        The inputs.
    y : array_like, default None
        The targets.
    batch_size : int, optional
        Samples per batch; all at once when None.
    verbose : {0, 1, 2}, default 1
        1 or 2 print the result as one line.
    sample_weight : array_like, optional
        One weight per sample.
    return_dict : bool, default False
        Return ``{"loss": ..., metric: ...}``.
    steps : int, optional
        For a source of batches: the batches to read (default one pass).

    Returns
    -------
    float, list of float or dict
        The loss, or ``[loss, *metrics]``, or the dict.

    Examples
    --------
    >>> model = gn.Sequential([gn.layers.Dense(2, activation="softmax", input_dim=2)], seed=0)
    >>> model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    >>> X, y = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0, 1])
    >>> _ = model.fit(X, y, epochs=1, verbose=0)
    >>> loss, accuracy = model.evaluate(X, y, verbose=0)
    >>> sorted(model.evaluate(X, y, verbose=0, return_dict=True))
    ['accuracy', 'loss']
    """
    if not model.compiled:
        raise RuntimeError("evaluate() called before compile(): call model.compile(...) first")
    _args.check_batch_size(batch_size)
    show = _args.check_verbose(verbose)
    check_flag("return_dict", return_dict)
    _ensure_built(model, "evaluate")
    X, y = _data.unpack_bunch(X, y)
    batches = _streams.is_batches(X) or _sources.is_dask(X)
    _args.check_validation_steps(steps, "steps", batches, "X")
    if batches:
        from glassnet.training.streamed import evaluate_batches

        with evaluating():
            logs = evaluate_batches(model, X, steps, y)
    else:
        logs = _array_scores(model, X, y, batch_size, sample_weight)
    if show:
        print(" - ".join(f"{k}: {v:.4g}" for k, v in logs.items()), file=sys.stdout, flush=True)
    if return_dict:
        return logs
    values = list(logs.values())
    return values[0] if len(values) == 1 else values


def validation_scores(model: Any, val: tuple[Any, ...]) -> dict[str, float]:
    """The scores of one validation in ``fit``, in evaluation mode: of ``("arrays", (X, y, w))``,
    or of ``("batches", source, steps)`` (``steps`` batches of the source, or one pass)."""
    with _prep.model_mode(model, False):
        if val[0] == "arrays":
            vx, vy, vw = val[1]
            return evaluate(model, vx, vy, verbose=0, sample_weight=vw, return_dict=True)
        from glassnet.training.streamed import evaluate_batches

        return evaluate_batches(model, val[1], steps=val[2], what="validation_data")


def _array_scores(model: Any, X: Any, y: Any, batch_size: int | None, sample_weight: Any) -> dict[str, float]:
    """The scores on arrays (memory-mapped ones read chunk by chunk)."""
    X = _raw.preprocessed(model, X, "evaluate")
    dtype = _prep.model_dtype(model)
    xs = _prep.inputs(model, X, dtype)
    ys = _prep.targets(model, y, dtype, xs[0].shape[0])
    weights = _prep.sample_weights(model, ys, None, sample_weight, xs[0].shape[0], dtype)
    # An overflow makes the loss NaN or inf, which the loss reports in glassnet's words.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _scores(model, xs, ys, weights, batch_size)


def _scores(model: Any, xs: list[np.ndarray], ys: list[np.ndarray], weights: np.ndarray | None,
            batch_size: int | None) -> dict[str, float]:
    pairs = model.training_losses()
    fused = [f for _, f in pairs]
    raw = _forward_outputs(model, xs, batch_size, fused)
    total = 0.0
    with no_grad():
        for i, ((loss_fn, _), z, t) in enumerate(zip(pairs, raw, ys)):
            try:
                total += loss_fn(Tensor._make(z, False, None), t, sample_weight=weights).item()
            except ValueError as err:
                if len(pairs) == 1:
                    raise
                raise type(err)(f"{model._output_label(i)} (y[{i}]): {err}") from None
    if model._added_losses:
        total += _added_losses(model, xs, batch_size)
    logs = {"loss": total}
    logs.update(metric_logs(model, ys, to_outputs(model, raw, fused)))
    return logs


def _added_losses(model: Any, xs: list[np.ndarray], batch_size: int | None) -> float:
    """The model's ``add_loss`` terms, in evaluation mode, averaged over the batches weighted
    by their sizes (Keras's ``evaluate`` counts them in its loss as its training does)."""
    n = xs[0].shape[0]
    size = min(_chunk_rows(xs, batch_size), n)
    total = 0.0
    for start in range(0, n, size):
        inputs = [Tensor._make(x[start:start + size], False, None) for x in xs]
        with no_grad(), evaluating():
            model(*inputs)
            total += added_loss(model).item() * inputs[0].shape[0]
    return total / n
