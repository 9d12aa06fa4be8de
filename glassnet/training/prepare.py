"""Preparing what ``fit`` and ``evaluate`` receive: conversion, checks, weights, splits."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import losses as _losses
from glassnet import metrics as _metrics
from glassnet._checks import check_sample_weight
from glassnet.layers.module import evaluating
from glassnet.losses._outputs import check_target_rows
from glassnet.models import CLASS_LOSSES, check_output_width
from glassnet.training import data as _data
from glassnet.training import mapped as _mapped

__all__ = [
    "model_mode", "model_dtype", "inputs", "targets", "check_labels", "stratify_labels",
    "sample_weights", "split",
]
# From this many values on, the NaN/inf check of the inputs sums rows instead of testing each value.
_ROW_SUM_SIZE = 1 << 15


class model_mode:  # noqa: N801 - used like a function: ``with model_mode(model, False):``
    """Run a block in training mode (the model's own flag, restored after the block) or in
    evaluation mode (:class:`~glassnet.layers.module.evaluating`: this thread only, the
    model untouched, so that predictions in other threads cannot change it)."""

    __slots__ = ("model", "training", "previous", "evaluation")

    def __init__(self, model: Any, training: bool) -> None:
        self.model, self.training, self.previous = model, training, True
        self.evaluation = None if training else evaluating()

    def __enter__(self) -> None:
        if self.evaluation is not None:
            self.evaluation.__enter__()
            return
        self.previous = self.model.training
        if not self.previous:
            self.model.train(True)

    def __exit__(self, *exc: object) -> None:
        if self.evaluation is not None:
            self.evaluation.__exit__()
        elif not self.previous:
            self.model.train(False)


def model_dtype(model: Any) -> np.dtype:
    return model.dtype


def inputs(model: Any, X: Any, dtype: np.dtype, name: str = "X") -> list[np.ndarray]:
    """The inputs as arrays of ``dtype``, one per model input, checked: one row per
    sample, the same number of samples in each, no NaN or inf."""
    if type(X) is np.ndarray and X.dtype == dtype and X.ndim > 1 and model.n_inputs == 1:
        # An array of the model's dtype, which the general path below would take as is.
        if not _surely_valid(X):
            _data.check_inputs(X, None, name)
        return [X]
    if isinstance(X, dict):
        X = by_input_name(model, X, name)
    parts = X if isinstance(X, (list, tuple)) and model.n_inputs > 1 else [X]
    if len(parts) != model.n_inputs:
        raise ValueError(f"the model takes {model.n_inputs} inputs; pass a list of {model.n_inputs} arrays")
    arrays = [_mapped_input(x, dtype, name) if _mapped.is_mapped(x) else _data.as_array(x, dtype, name)
              for x in parts]
    for a in arrays:
        if isinstance(a, _mapped.MappedRows):
            continue
        if a.ndim == 1:
            raise ValueError(
                f"{name} is 1-D (shape {a.shape}); the model expects one row per sample. Use "
                f"{name}.reshape(-1, 1) for one feature, or {name}.reshape(1, -1) for one sample"
            )
        if not _surely_valid(a):
            _data.check_inputs(a, None, name)
    if len({a.shape[0] for a in arrays}) > 1:
        raise ValueError(f"the inputs have different numbers of samples: {[a.shape[0] for a in arrays]}")
    return arrays


def _mapped_input(x: Any, dtype: np.dtype, name: str) -> _mapped.MappedRows:
    """A memory-mapped array as :class:`~glassnet.training.mapped.MappedRows` of ``dtype``,
    checked in one pass that reads it block by block (rows already wrapped pass as they are)."""
    if isinstance(x, _mapped.MappedRows):
        return x
    if x.ndim < 2 or x.shape[0] == 0:
        raise ValueError(f"{name} is a memory-mapped array of shape {x.shape}; it needs at least one sample "
                         "and one row per sample (2-D or more)")
    if x.dtype.kind not in "biuf":
        raise TypeError(f"{name} is a memory-mapped array of dtype {x.dtype}; glassnet reads numbers only")
    rows = _mapped.MappedRows(x, dtype)
    rows.check_finite(name)
    return rows


def by_input_name(model: Any, X: dict[str, Any], name: str = "X") -> list[Any]:
    """Keras's inputs keyed by the names of the model's ``gn.Input(shape, name=...)``, in the
    model's order; a key that names no input, or an input without a key, is an error."""
    names = [getattr(sym, "name", None) for sym in getattr(model, "_inputs", [])]
    if not names or None in names or sorted(map(str, X)) != sorted(names):
        raise ValueError(
            f"{name} is a dict with keys {sorted(map(str, X))}, but the model's inputs are named "
            f"{names or 'nothing (it is not a functional model)'}: give gn.Input(shape, name=...) to each "
            "input and one key per name, or pass the arrays in a list, in the order of the model's inputs")
    return [X[n] for n in names] if len(names) > 1 else X[names[0]]


def _surely_valid(a: np.ndarray) -> bool:
    """True when ``a`` certainly holds samples and no NaN or inf, by one cheap pass.

    On large arrays, the row sums ``a @ 1`` are finite exactly when the rows are (a NaN or
    an inf in a row makes its sum NaN or inf), and a matrix-vector product reads the data
    faster than ``np.isfinite(a).all()``, which also writes a boolean array. On small
    ones, counting the finite values with ``np.count_nonzero`` is cheaper than ``.all()``,
    without the overflow a sum can meet. False sends the data to
    :func:`glassnet.training.data.check_inputs`, which finds what is wrong and says where,
    or accepts it (a sum can overflow on finite values).
    """
    if a.ndim < 2 or a.shape[0] == 0 or a.size == 0:
        return False
    if a.dtype.kind != "f":
        return a.dtype.kind in "biu"
    if a.size < _ROW_SUM_SIZE or not a.flags.c_contiguous:
        return np.count_nonzero(np.isfinite(a)) == a.size
    rows = a.reshape(a.shape[0], -1)
    return bool(np.isfinite(rows @ np.ones(rows.shape[1], dtype=a.dtype)).all())


def targets(model: Any, y: Any, dtype: np.dtype, n: int, name: str = "y") -> list[np.ndarray]:
    """The targets, one array per output, checked: one per sample, no NaN or inf; labels of
    a classification loss stored as integer-valued floats become integers."""
    if y is None:
        raise ValueError(f"{name} is None; fit() and evaluate() need targets")
    multi = len(model.loss_fns) > 1
    parts = list(y) if multi else [y]
    if len(parts) != len(model.loss_fns):
        raise ValueError(
            f"the model has {len(model.loss_fns)} outputs; pass a list of {len(model.loss_fns)} targets")
    out = []
    for i, (part, loss) in enumerate(zip(parts, model.loss_fns)):
        label = f"{name}[{i}] ({model._output_label(i)})" if multi else name
        out.append(_target(part, loss, dtype, n, label))
    return out


def _target(part: Any, loss: Any, dtype: np.dtype, n: int, name: str) -> np.ndarray:
    """One output's targets, checked; ``name`` says which output in messages."""
    array = _data.as_array(part, None, name)
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"{name} has dtype {array.dtype}; encode class labels as integers 0..C-1 first "
            "(sklearn.preprocessing.LabelEncoder)"
        )
    one_hot = array.ndim > 1 and array.shape[-1] > 1
    if not isinstance(loss, CLASS_LOSSES) or one_hot:
        array = _data.as_array(array, dtype, name)
    _data.check_inputs(np.zeros((n, 0)), array, "X", name)
    if isinstance(loss, CLASS_LOSSES) and not one_hot and _metrics.is_integer_valued(array):
        array = array.astype(np.int64, copy=False)  # labels stored as floats (0.0, 1.0, 2.0)
    if one_hot and isinstance(loss, (_losses.CrossEntropy, _losses.NLL)):
        check_target_rows(name, array)
    if one_hot and isinstance(loss, _losses.BinaryCrossEntropy) and ((array < 0) | (array > 1)).any():
        raise ValueError(f"{name}: the targets of binary cross-entropy must lie in [0, 1] (a 0/1 label or "
                         f"probability per unit), got values from {array.min():.4g} to {array.max():.4g}")
    return array


def check_labels(model: Any, xs: list[np.ndarray], ys: list[np.ndarray]) -> None:
    """Clear errors before training: labels of a classification loss must be integers in
    [0, number of outputs), and the targets of a classification metric class labels."""
    shapes = model.output_shapes()
    for i, (shape, act) in enumerate(zip(shapes, model.output_activations)):
        check_output_width(act, shape[-1] if shape else None, model._output_label(i))
    for i, (shape, y, loss) in enumerate(zip(shapes, ys, model.loss_fns)):
        name = f"y[{i}] ({model._output_label(i)})" if len(shapes) > 1 else "y"
        per_sample = int(np.prod(shape)) if shape else 1
        wanted = loss.targets_per_sample(tuple(shape)) if isinstance(loss, _losses.Loss) else per_sample
        if isinstance(loss, CLASS_LOSSES) and not (y.ndim > 1 and y.shape[-1] > 1):
            _check_label_range(y, shape[-1] if shape else 1, name)
        elif y[:1].size != wanted and not isinstance(loss, _losses.FunctionLoss):  # fn reads y its way
            read = "give one target per output" if wanted == per_sample else \
                f"{type(loss).__name__} reads it as {wanted} target(s) per sample"
            raise ValueError(f"{name} has {y[:1].size} value(s) per sample but the model's output has "
                             f"{per_sample} (shape {tuple(shape)}); {read}")
    outputs = shapes[0][-1] if shapes[0] else 1
    for name in model.metric_names:
        if _metrics.is_classification_metric(name):
            _metrics.target_labels(ys[0], name, outputs)


def _check_label_range(y: np.ndarray, classes: int, name: str = "y") -> None:
    top = 2 if classes == 1 else classes
    labels = np.unique(y)
    if y.dtype.kind == "f":
        raise ValueError(
            f"{name} holds values that are not whole numbers ({labels[:5].tolist()}), but the loss is a "
            f"classification loss, which takes class labels 0..{top - 1}; use a regression loss such as "
            "'mse' for a continuous target"
        )
    if labels.min() < 0 or labels.max() >= top:
        raise ValueError(
            f"labels outside the output size: {name} holds {labels[:10].tolist()} but the output layer "
            f"has {classes} unit(s), so labels must be integers in [0, {top}). Encode labels "
            "as 0..C-1 or change the output layer's units"
        )


def stratify_labels(model: Any, ys: list[np.ndarray]) -> np.ndarray | None:
    y, loss = ys[0], model.loss_fns[0]
    if not isinstance(loss, CLASS_LOSSES):
        return None
    return y.argmax(axis=1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(len(y), -1)[:, 0]


def _class_labels(model: Any, ys: list[np.ndarray]) -> np.ndarray:
    """The class of each sample, for ``class_weight``: the labels of a classification loss;
    for another loss (a function of the user's, MSE on 0/1), the targets themselves when
    they are class labels, integers in one column or one-hot rows, as Keras reads them."""
    labels = stratify_labels(model, ys)
    if labels is not None:
        return labels
    y = ys[0].reshape(len(ys[0]), -1)
    if y.shape[1] > 1:
        if ((y == 0) | (y == 1)).all() and (y.sum(axis=1) == 1).all():
            return y.argmax(axis=1)
    elif _metrics.is_integer_valued(y):
        return y[:, 0].astype(np.int64)
    raise ValueError(
        "class_weight needs class labels as targets (integers, or one-hot rows), but y holds other "
        "values; weight the samples with sample_weight= instead")


def sample_weights(model: Any, ys: list[np.ndarray], class_weight: Any, sample_weight: Any, n: int,
                    dtype: np.dtype, name: str = "sample_weight") -> np.ndarray | None:
    """The per-sample weights of the loss: ``sample_weight`` times the weight of each sample's
    class in ``class_weight``, checked (one finite weight >= 0 per sample, not all zero)."""
    weights = None
    if sample_weight is not None:
        weights = check_sample_weight(name, _data.as_array(sample_weight, dtype, name), n, dtype)
    if class_weight is not None:
        labels = _class_labels(model, ys)
        cw = _data.as_array(_data.class_sample_weights(labels, class_weight), dtype, "class_weight")
        weights = cw if weights is None else weights * cw
    if weights is not None and not weights.any():
        raise ValueError(f"every sample has weight 0 ({name}{' and class_weight' if class_weight else ''}); "
                         "at least one sample must count")
    return weights


def split(model: Any, xs: list[np.ndarray], ys: list[np.ndarray], weights: np.ndarray | None,
          rng: np.random.Generator, fraction: float, validation_data: Any, mode: str,
          dtype: np.dtype) -> tuple[np.ndarray | None, Any]:
    """Training indices (None: all) and the validation (X, y, weights), converted and
    checked here, before training: ``validation_data``, else ``fraction`` of the data."""
    if validation_data is not None:
        return None, _validation_arrays(model, xs, ys, validation_data, dtype)
    if not fraction:
        return None, None
    train, val = _data.validation_split(xs[0].shape[0], fraction, rng, stratify_labels(model, ys), mode)
    vx = [_mapped.take(x, val) for x in xs]
    vy = [t[val] for t in ys]
    return train, (vx if len(vx) > 1 else vx[0], vy if len(vy) > 1 else vy[0],
                   None if weights is None else weights[val])


def _validation_arrays(model: Any, xs: list[np.ndarray], ys: list[np.ndarray], validation_data: Any,
                       dtype: np.dtype) -> tuple[Any, Any, np.ndarray | None]:
    vx = inputs(model, validation_data[0], dtype, "validation_data X")
    vy = targets(model, validation_data[1], dtype, vx[0].shape[0], "validation_data y")
    for what, train, val in (("X", xs, vx), ("y", ys, vy)):
        for a, b in zip(train, val):
            same = a.shape[1:] == b.shape[1:] if what == "X" else a[:1].size == b[:1].size
            if not same:
                raise ValueError(
                    f"validation_data {what} has samples of shape {b.shape[1:]}, but the training {what} "
                    f"has {a.shape[1:]}; validation data must be prepared like the training data")
    vw = validation_data[2] if len(validation_data) == 3 else None
    vw = sample_weights(model, vy, None, vw, vx[0].shape[0], dtype, "validation_data sample_weight")
    check_labels(model, vx, vy)
    return vx if len(vx) > 1 else vx[0], vy if len(vy) > 1 else vy[0], vw
