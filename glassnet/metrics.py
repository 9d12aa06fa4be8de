"""Metrics by name, computed with scikit-learn where it has them.

Every metric is a function ``metric(y_true, y_pred) -> float`` where ``y_pred`` is what
the model outputs: class probabilities (N, C), a probability or score (N, 1) for binary
classification, or values for regression. Labels may be integers or one-hot rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from glassnet._registry import Registry

__all__ = ["get", "names", "to_labels", "is_classification_metric"]

METRICS = Registry("metric")
_CLASSIFICATION: set[str] = set()


def to_labels(y: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Class labels from model outputs or targets: argmax of rows, or ``> threshold`` for
    one column (binary)."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        return y.argmax(axis=1)
    y = y.reshape(-1)
    if y.dtype.kind == "f" and not np.all((y == 0) | (y == 1)):
        return (y > threshold).astype(np.int64)
    return y.astype(np.int64)


def _binary_scores(y_pred: np.ndarray) -> np.ndarray:
    y_pred = np.asarray(y_pred)
    if y_pred.ndim == 2 and y_pred.shape[1] == 2:
        return y_pred[:, 1]
    return y_pred.reshape(-1) if y_pred.ndim <= 2 and y_pred.size == len(y_pred) else y_pred


def _classification(name: str, *aliases: str) -> Callable[[Callable[..., float]], Callable[..., float]]:
    def decorate(fn: Callable[..., float]) -> Callable[..., float]:
        _CLASSIFICATION.update((name, *aliases))
        return METRICS.register(name, *aliases)(fn)

    return decorate


def _average(y_true: np.ndarray) -> str:
    return "binary" if len(np.unique(y_true)) <= 2 and y_true.max(initial=0) <= 1 else "macro"


@_classification("accuracy", "acc")
def accuracy(y_true: Any, y_pred: Any) -> float:
    """Fraction of samples whose predicted class equals the true class."""
    from sklearn.metrics import accuracy_score

    return float(accuracy_score(to_labels(y_true), to_labels(y_pred)))


@_classification("precision")
def precision(y_true: Any, y_pred: Any) -> float:
    """TP / (TP + FP); macro-averaged over classes when there are more than two."""
    from sklearn.metrics import precision_score

    t = to_labels(y_true)
    return float(precision_score(t, to_labels(y_pred), average=_average(t), zero_division=0))


@_classification("recall")
def recall(y_true: Any, y_pred: Any) -> float:
    """TP / (TP + FN); macro-averaged over classes when there are more than two."""
    from sklearn.metrics import recall_score

    t = to_labels(y_true)
    return float(recall_score(t, to_labels(y_pred), average=_average(t), zero_division=0))


@_classification("f1")
def f1(y_true: Any, y_pred: Any) -> float:
    """Harmonic mean of precision and recall; macro-averaged for more than two classes."""
    from sklearn.metrics import f1_score

    t = to_labels(y_true)
    return float(f1_score(t, to_labels(y_pred), average=_average(t), zero_division=0))


@_classification("auc", "roc_auc")
def auc(y_true: Any, y_pred: Any) -> float:
    """Area under the ROC curve (one-vs-rest macro average for more than two classes)."""
    from sklearn.metrics import roc_auc_score

    t = to_labels(y_true)
    scores = np.asarray(y_pred)
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
    """Resolve a metric by name (unknown names list the valid ones) or pass a callable through."""
    if callable(metric):
        return metric
    return METRICS.get(metric)


def is_classification_metric(name: str) -> bool:
    """Whether a metric name compares class labels."""
    return name.lower() in _CLASSIFICATION


def names() -> list[str]:
    """Every registered metric name (aliases included)."""
    return METRICS.names()
