"""Split-conformal prediction intervals: a coverage guarantee for any trained regressor."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from glassnet.layers.heads import check_level
from glassnet.models import Model
from glassnet.uncertainty._draws import model_draw, output_kind

__all__ = ["conformal_interval", "point_predictions"]


def point_predictions(model: Any, X: Any) -> np.ndarray:
    """The point predictions of a glassnet model (the mean of an output head), an ensemble,
    MC dropout or an estimator, as float64."""
    if isinstance(model, Model):
        if output_kind(model) == "probabilities":
            raise ValueError(
                f"conformal_interval gives regression intervals, but model {model.name!r} outputs class "
                f"probabilities ({model.output_activations[0]}); for prediction sets of a classifier use "
                "MAPIE's SplitConformalClassifier with glassnet's MLPClassifier")
        return model_draw(model, model.predict(X))[0]
    if not callable(getattr(model, "predict", None)):
        raise TypeError(f"model must be a trained glassnet model or estimator with predict(X), got "
                        f"{type(model).__name__}")
    return np.asarray(model.predict(X), dtype=np.float64)


def _targets(y: Any, predicted: np.ndarray) -> np.ndarray:
    y = np.asarray(y, dtype=np.float64)
    if y.size != predicted.size or y.shape[0] != predicted.shape[0]:
        raise ValueError(f"y_cal has shape {y.shape} but the model predicts shape {predicted.shape} for "
                         "X_cal; give one target row per calibration row")
    if not np.isfinite(y).all():
        raise ValueError("y_cal holds NaN or infinite values; drop those rows first")
    return y.reshape(predicted.shape)


def conformal_interval(model: Any, X_cal: Any, y_cal: Any, X: Any,
                       level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Split-conformal intervals ``(lower, upper)`` for the inputs ``X``.

    On a calibration set of n points not used in training, the scores are the absolute
    residuals s_i = |y_i - f(x_i)|; with k = ceil((n + 1) level) the interval is
    f(x) -/+ s_(k), the k-th smallest score (per output). For any model, if the
    calibration and new points are exchangeable, a new point is covered with probability
    at least ``level`` (Vovk et al. 2005; Lei et al. 2018); the finite-sample correction
    (n + 1 in place of n) is what makes the guarantee exact. A bad model gets wide
    intervals, not a broken guarantee.

    Parameters
    ----------
    model : glassnet Model, DeepEnsemble, MCDropout or estimator
        Trained; any object with ``predict(X)`` giving point predictions (a model ending
        in a Gaussian or quantile head: its mean).
    X_cal, y_cal : array-like
        Calibration data, held out from training.
    X : array-like
        Inputs to predict.
    level : float in (0, 1), default 0.95

    Returns
    -------
    lower, upper : ndarray, shaped as the model's predictions for X.
        When n < level / (1 - level) the guarantee needs an unbounded interval: the bounds
        are -inf and inf, with a warning.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-1, 1, size=(200, 1))
    >>> y = 3 * X[:, 0] + rng.normal(0, 0.1, size=200)
    >>> from glassnet.estimators import LinearRegression
    >>> model = LinearRegression().fit(X[:100], y[:100])
    >>> lower, upper = gn.uncertainty.conformal_interval(model, X[100:], y[100:], np.array([[0.0]]),
    ...                                                  level=0.9)
    >>> print(np.round(lower, 2), np.round(upper, 2))
    [-0.16] [0.13]
    """
    level = check_level("conformal_interval", level)
    predicted_cal = point_predictions(model, X_cal)
    scores = np.abs(_targets(y_cal, predicted_cal) - predicted_cal)
    n = scores.shape[0]
    if n == 0:
        raise ValueError("X_cal is empty; conformal intervals need held-out calibration points")
    k = math.ceil((n + 1) * level)
    if k > n:
        needed = math.ceil(level / (1 - level) - 1e-9)
        warnings.warn(f"conformal_interval: {n} calibration points are too few for level={level}: the "
                      f"guarantee needs at least {needed}; the intervals are unbounded",
                      UserWarning, stacklevel=2)
        q = np.full(scores.shape[1:], np.inf)
    else:
        q = np.sort(scores, axis=0)[k - 1]
    predicted = point_predictions(model, X)
    return predicted - q, predicted + q
