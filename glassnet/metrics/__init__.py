"""Metrics by name, computed with scikit-learn where it has them; and the scores of
predictions with an uncertainty.

Every metric is a function ``metric(y_true, y_pred) -> float`` where ``y_pred`` is what
the model outputs: class probabilities (N, C), a probability or score (N, 1) for binary
classification, or values for regression. Class labels may be integers, integer-valued
floats (``0.0, 1.0, 2.0``) or one-hot rows; a classification metric refuses a continuous
target, and :func:`check_task` a regression metric for a classification loss.

The scores of uncertain predictions are plain functions (not names for ``compile``): of a
Gaussian prediction (mean, std), :func:`gaussian_nll` and :func:`crps_gaussian`; of
intervals, :func:`interval_coverage` and :func:`interval_width`; of class probabilities,
:func:`expected_calibration_error` (from :func:`calibration_bins`) and
:func:`predictive_entropy`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from glassnet._registry import Registry

__all__ = [
    "get", "names", "to_labels", "target_labels", "is_integer_valued", "is_classification_metric",
    "check_task", "gaussian_nll", "crps_gaussian", "interval_coverage", "interval_width",
    "calibration_bins", "expected_calibration_error", "predictive_entropy",
]

METRICS = Registry("metric")
_CLASSIFICATION: set[str] = set()


def to_labels(y: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Predicted class labels from model outputs: the argmax of rows (N, C), or
    ``y > threshold`` for one column of probabilities (binary); labels, as integers or
    integer-valued floats, pass through.

    Parameters
    ----------
    y : array_like
        Model outputs: rows of class scores (N, C), one column of P(class 1), or labels.
    threshold : float, default 0.5
        The cut for one column of probabilities.

    Returns
    -------
    ndarray of int
        The labels, shape (N,).

    Examples
    --------
    >>> gn.metrics.to_labels(np.array([[0.1, 0.9], [0.8, 0.2]]))
    array([1, 0])
    >>> gn.metrics.to_labels(np.array([0.3, 0.7]))
    array([0, 1])
    """
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        return y.argmax(axis=1)
    y = y.reshape(-1)
    if y.dtype.kind == "f" and not is_integer_valued(y):
        return (y > threshold).astype(np.int64)
    return y.astype(np.int64)


def is_integer_valued(y: np.ndarray) -> bool:
    """Whether every value of ``y`` is a whole number (``2.0`` is, ``0.5`` and NaN are not).

    Parameters
    ----------
    y : array_like
        The values.

    Returns
    -------
    bool
        True when every value is a whole number.

    Examples
    --------
    >>> gn.metrics.is_integer_valued(np.array([0.0, 2.0])), gn.metrics.is_integer_valued(np.array([0.5]))
    (True, False)
    """
    y = np.asarray(y)
    if y.dtype.kind in "biu":
        return True
    return y.dtype.kind == "f" and bool(np.all(np.mod(y, 1) == 0))


def target_labels(y_true: Any, metric: str = "accuracy", outputs: int | None = None) -> np.ndarray:
    """Class labels from targets, for the classification metric ``metric``.

    One-hot (or probability) rows give their argmax; integer labels, stored as integers or
    as integer-valued floats (``0.0, 1.0, 2.0``), are taken as they are. A continuous
    target raises a ValueError naming the metric, as does a one-column output (``outputs``
    = 1, thresholded at 0.5) compared with labels other than 0 and 1.

    Parameters
    ----------
    y_true : array_like
        Targets: labels, or one-hot (probability) rows.
    metric : str, default 'accuracy'
        The metric's name, for the error message.
    outputs : int, optional
        The model's number of outputs, when known.

    Returns
    -------
    ndarray of int
        The labels, shape (N,).

    Examples
    --------
    >>> gn.metrics.target_labels([[0, 1], [1, 0]])
    array([1, 0])
    >>> gn.metrics.target_labels([2.0, 0.0, 1.0])
    array([2, 0, 1])
    """
    y = np.asarray(y_true)
    if y.ndim == 2 and y.shape[1] > 1:
        return y.argmax(axis=1)
    y = y.reshape(-1)
    if y.dtype.kind not in "biuf":
        raise TypeError(f"metric {metric!r} compares class labels 0..C-1, but the target holds {y.dtype} "
                        "values; encode them first (sklearn.preprocessing.LabelEncoder)")
    if not is_integer_valued(y):
        sample = np.unique(y)[:5].tolist()
        raise ValueError(
            f"metric {metric!r} compares class labels, but the target is continuous (values such as "
            f"{sample}); use a regression metric such as 'mae', 'mse' or 'r2', or encode the classes "
            "as integers 0..C-1"
        )
    labels = y.astype(np.int64)
    if outputs == 1 and labels.size and (labels.min() < 0 or labels.max() > 1):
        raise ValueError(
            f"metric {metric!r} on a one-unit output compares (output > 0.5) with labels 0 and 1, but y "
            f"holds {np.unique(labels)[:10].tolist()}; give the output layer one unit per class "
            "(softmax) or use a regression metric such as 'mae' or 'r2'"
        )
    return labels


def _label_pair(metric: str, y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray, str]:
    """(true labels, predicted labels, sklearn's ``average``) for a classification metric,
    checked. The average is "macro" for more than two output columns, even when the
    data at hand hold only two classes, so that every batch and split is scored alike."""
    y_pred = np.asarray(y_pred)
    scores = y_pred.size == len(y_pred) and not is_integer_valued(y_pred)
    t, p = target_labels(y_true, metric, 1 if scores else None), to_labels(y_pred)
    both = np.union1d(t, p)
    binary = y_pred.ndim < 2 or y_pred.shape[1] <= 2
    return t, p, "binary" if binary and both.size and both.min() >= 0 and both.max() <= 1 else "macro"


def _binary_scores(y_pred: np.ndarray) -> np.ndarray:
    y_pred = np.asarray(y_pred)
    if y_pred.ndim == 2 and y_pred.shape[1] == 2:
        return y_pred[:, 1]
    return y_pred.reshape(-1) if y_pred.ndim <= 2 and y_pred.size == len(y_pred) else y_pred


_CLASSIFICATION_NAMES = ("accuracy", "precision", "recall", "f1", "auc")


def _classification(name: str, *aliases: str) -> Callable[[Callable[..., float]], Callable[..., float]]:
    def decorate(fn: Callable[..., float]) -> Callable[..., float]:
        _CLASSIFICATION.update((name, *aliases))
        return METRICS.register(name, *aliases)(fn)

    return decorate


@_classification("accuracy", "acc", "sparse_categorical_accuracy", "categorical_accuracy")
def accuracy(y_true: Any, y_pred: Any) -> float:
    """Fraction of samples whose predicted class equals the true class.

    Keras's names ``sparse_categorical_accuracy`` (labels) and ``categorical_accuracy``
    (one-hot rows) are this metric: the target's form says which comparison is made."""
    from sklearn.metrics import accuracy_score

    t, p, _ = _label_pair("accuracy", y_true, y_pred)
    return float(accuracy_score(t, p))


@_classification("binary_accuracy")
def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> float:
    """Keras's ``binary_accuracy``: the fraction of outputs on the true side of ``threshold``,
    element by element, so that each label of a multi-label output (N, C) counts; for one
    sigmoid output it is the accuracy of its 0/1 decisions."""
    p = np.asarray(y_pred, dtype=np.float64)
    t = np.asarray(y_true, dtype=np.float64)
    if t.size != p.size:
        raise ValueError(
            f"binary_accuracy compares each output with its 0/1 target: y_pred has {p.size} values but "
            f"y_true {t.size}. For one label per sample over several classes use 'accuracy'")
    return float(np.mean((p.reshape(-1) > threshold) == (t.reshape(-1) > threshold)))


@_classification("precision")
def precision(y_true: Any, y_pred: Any) -> float:
    """TP / (TP + FP); macro-averaged over classes when there are more than two."""
    from sklearn.metrics import precision_score

    t, p, average = _label_pair("precision", y_true, y_pred)
    return float(precision_score(t, p, average=average, zero_division=0))


@_classification("recall")
def recall(y_true: Any, y_pred: Any) -> float:
    """TP / (TP + FN); macro-averaged over classes when there are more than two."""
    from sklearn.metrics import recall_score

    t, p, average = _label_pair("recall", y_true, y_pred)
    return float(recall_score(t, p, average=average, zero_division=0))


@_classification("f1")
def f1(y_true: Any, y_pred: Any) -> float:
    """Harmonic mean of precision and recall; macro-averaged for more than two classes."""
    from sklearn.metrics import f1_score

    t, p, average = _label_pair("f1", y_true, y_pred)
    return float(f1_score(t, p, average=average, zero_division=0))


@_classification("auc", "roc_auc")
def auc(y_true: Any, y_pred: Any) -> float:
    """Area under the ROC curve (one-vs-rest macro average for more than two classes)."""
    from sklearn.metrics import roc_auc_score

    scores = np.asarray(y_pred)
    t = target_labels(y_true, "auc", scores.shape[1] if scores.ndim == 2 else 1)
    if scores.ndim == 2 and scores.shape[1] > 2:
        return float(roc_auc_score(t, scores, multi_class="ovr"))
    return float(roc_auc_score(t, _binary_scores(scores)))


@METRICS.register("mae", "mean_absolute_error")
def mae(y_true: Any, y_pred: Any) -> float:
    """(1/n) sum |y_hat - y|."""
    from sklearn.metrics import mean_absolute_error

    return float(mean_absolute_error(_2d(y_true), _2d(y_pred)))


@METRICS.register("mse", "mean_squared_error")
def mse(y_true: Any, y_pred: Any) -> float:
    """(1/n) sum (y_hat - y)^2."""
    from sklearn.metrics import mean_squared_error

    return float(mean_squared_error(_2d(y_true), _2d(y_pred)))


@METRICS.register("rmse")
def rmse(y_true: Any, y_pred: Any) -> float:
    """sqrt((1/n) sum (y_hat - y)^2)."""
    from sklearn.metrics import root_mean_squared_error

    return float(root_mean_squared_error(_2d(y_true), _2d(y_pred)))


@METRICS.register("r2")
def r2(y_true: Any, y_pred: Any) -> float:
    """Coefficient of determination 1 - sum (y - y_hat)^2 / sum (y - mean y)^2."""
    from sklearn.metrics import r2_score

    return float(r2_score(_2d(y_true), _2d(y_pred)))


def _2d(y: Any) -> np.ndarray:
    y = np.asarray(y)
    return y.reshape(len(y), -1)


def get(metric: str | Callable[..., float]) -> Callable[..., float]:
    """Resolve a metric by name (unknown names list the valid ones) or pass a callable through.

    Parameters
    ----------
    metric : str or callable
        A registered name, or a function ``fn(y_true, y_pred) -> float``.

    Returns
    -------
    callable
        The metric function.

    Examples
    --------
    >>> accuracy = gn.metrics.get("accuracy")
    >>> accuracy([0, 1, 1], [0, 1, 0])
    0.6666666666666666
    """
    if callable(metric):
        return metric
    return METRICS.get(metric)


def is_classification_metric(name: str) -> bool:
    """Whether a metric name compares class labels.

    Parameters
    ----------
    name : str
        A metric name.

    Returns
    -------
    bool
        Whether it compares class labels.

    Examples
    --------
    >>> gn.metrics.is_classification_metric("accuracy"), gn.metrics.is_classification_metric("mse")
    (True, False)
    """
    return name.lower() in _CLASSIFICATION


def check_task(metric: Any, classifier: bool, loss: str) -> None:
    """Raise a ValueError, before any training, when the metric named ``metric`` measures
    regression but the loss (named ``loss``) trains a classifier (``classifier``).

    The opposite case, a classification metric on a regression loss, depends on the target
    (MSE on 0/1 labels is a classifier): :func:`target_labels` decides it from ``y``.

    Parameters
    ----------
    metric : str or callable
        The metric (only names are checked).
    classifier : bool
        Whether the loss trains a classifier.
    loss : str
        The loss's name, for the message.

    Examples
    --------
    >>> gn.metrics.check_task("accuracy", classifier=True, loss="cross_entropy")
    >>> try:
    ...     gn.metrics.check_task("mse", classifier=True, loss="cross_entropy")
    ... except ValueError as error:
    ...     print(str(error)[:60])
    ...
    metric 'mse' measures regression, but the loss cross_entropy
    """
    if not classifier or not isinstance(metric, str) or is_classification_metric(metric):
        return
    raise ValueError(
        f"metric {metric!r} measures regression, but the loss {loss} trains a classifier (its outputs "
        f"are class probabilities); use a classification metric: {', '.join(_CLASSIFICATION_NAMES)}"
    )


def names() -> list[str]:
    """Every registered metric name (aliases included).

    Returns
    -------
    list of str
        The names ``get`` accepts.

    Examples
    --------
    >>> "accuracy" in gn.metrics.names(), "r2" in gn.metrics.names()
    (True, True)
    """
    return METRICS.names()


from glassnet.metrics.uncertain import (  # noqa: E402  (it uses target_labels, defined above)
    calibration_bins,
    crps_gaussian,
    expected_calibration_error,
    gaussian_nll,
    interval_coverage,
    interval_width,
    predictive_entropy,
)
