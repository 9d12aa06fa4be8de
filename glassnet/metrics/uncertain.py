"""The scores of predictions with an uncertainty: plain functions, not names for ``compile``.

Of a Gaussian prediction (mean, std), :func:`gaussian_nll` and :func:`crps_gaussian`; of
intervals, :func:`interval_coverage` and :func:`interval_width`; of class probabilities,
:func:`expected_calibration_error` (from :func:`calibration_bins`) and
:func:`predictive_entropy`. Re-exported by :mod:`glassnet.metrics`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet._checks import check_finite
from glassnet.metrics import target_labels

__all__ = [
    "gaussian_nll", "crps_gaussian", "interval_coverage", "interval_width",
    "calibration_bins", "expected_calibration_error", "predictive_entropy",
]


def _arrays(owner: str, **named: Any) -> list[np.ndarray]:
    """The named arrays as float64 of the first one's shape (an (N, 1) column and an (N,)
    vector are the same), finite; else an error naming the argument."""
    out: list[np.ndarray] = []
    for name, value in named.items():
        array = np.asarray(value, dtype=np.float64)
        check_finite(f"{owner}: {name}", array, "give finite numbers")
        if out and array.shape != out[0].shape:
            first = next(iter(named))
            if array.size != out[0].size or array.shape[:1] != out[0].shape[:1]:
                raise ValueError(f"{owner}: {name} has shape {array.shape} but {first} has {out[0].shape}; "
                                 "give one value per element of it")
            array = array.reshape(out[0].shape)
        out.append(array)
    if out[0].size == 0:
        raise ValueError(f"{owner}: the arrays are empty")
    return out


def _positive(owner: str, std: np.ndarray, allow_zero: bool = False) -> None:
    if (std < 0).any() or (not allow_zero and (std == 0).any()):
        raise ValueError(f"{owner}: std must be {'>= 0' if allow_zero else '> 0'}, got values down to "
                         f"{std.min():.4g}")


def gaussian_nll(y: Any, mean: Any, std: Any) -> float:
    """The mean negative log-likelihood of ``y`` under N(mean, std^2), in nats:

    (1/n) sum_i [ 1/2 ln(2 pi sigma_i^2) + (y_i - mu_i)^2 / (2 sigma_i^2) ]

    (the full density, so it equals ``-scipy.stats.norm.logpdf(y, mean, std).mean()``; the
    loss :class:`~glassnet.losses.GaussianNLL` leaves out the constant by default).

    Parameters
    ----------
    y : array_like
        The targets.
    mean : array_like
        The predicted means, the shape of ``y``.
    std : array_like
        The predicted standard deviations, > 0.

    Returns
    -------
    float
        The mean negative log-likelihood.

    Examples
    --------
    >>> print(round(gn.metrics.gaussian_nll([0.0, 1.0], mean=[0.0, 0.0], std=[1.0, 1.0]), 4))
    1.1689
    """
    y, mean, std = _arrays("gaussian_nll", y=y, mean=mean, std=std)
    _positive("gaussian_nll", std)
    z = (y - mean) / std
    return float(np.mean(0.5 * np.log(2 * np.pi) + np.log(std) + 0.5 * z * z))


def crps_gaussian(y: Any, mean: Any, std: Any) -> float:
    """The mean continuous ranked probability score of N(mean, std^2) for ``y`` (lower is
    better; in the units of y), in closed form with z = (y - mu) / sigma:

    CRPS = sigma [ z (2 Phi(z) - 1) + 2 phi(z) - 1 / sqrt(pi) ]
         = integral (F(x) - 1[x >= y])^2 dx;

    a std of 0 gives |y - mu|, the absolute error.

    Parameters
    ----------
    y : array_like
        The targets.
    mean : array_like
        The predicted means, the shape of ``y``.
    std : array_like
        The predicted standard deviations, >= 0.

    Returns
    -------
    float
        The mean CRPS.

    References
    ----------
    Gneiting and Raftery, "Strictly proper scoring rules, prediction, and estimation",
    JASA 102 (2007).

    Examples
    --------
    >>> print(round(gn.metrics.crps_gaussian([0.0, 1.0], mean=[0.0, 0.0], std=[1.0, 1.0]), 4))
    0.4181
    >>> gn.metrics.crps_gaussian([1.0], mean=[0.0], std=[0.0])
    1.0
    """
    from scipy.stats import norm

    y, mean, std = _arrays("crps_gaussian", y=y, mean=mean, std=std)
    _positive("crps_gaussian", std, allow_zero=True)
    error = y - mean
    sigma = np.where(std > 0, std, 1.0)
    z = error / sigma
    score = sigma * (z * (2 * norm.cdf(z) - 1) + 2 * norm.pdf(z) - 1 / np.sqrt(np.pi))
    return float(np.mean(np.where(std > 0, score, np.abs(error))))


def interval_coverage(y: Any, lower: Any, upper: Any) -> float:
    """The fraction of targets inside their interval, lower <= y <= upper (over every element).

    Parameters
    ----------
    y : array_like
        The targets.
    lower : array_like
        The intervals' lower bounds.
    upper : array_like
        The intervals' upper bounds, >= ``lower``.

    Returns
    -------
    float
        The fraction in [0, 1].

    Examples
    --------
    >>> gn.metrics.interval_coverage([1.0, 5.0], lower=[0.0, 0.0], upper=[2.0, 2.0])
    0.5
    """
    y, lower, upper = _arrays("interval_coverage", y=y, lower=lower, upper=upper)
    _ordered("interval_coverage", lower, upper)
    return float(np.mean((lower <= y) & (y <= upper)))


def interval_width(lower: Any, upper: Any) -> float:
    """The mean width of the intervals, (1/n) sum (upper - lower).

    Parameters
    ----------
    lower : array_like
        The intervals' lower bounds.
    upper : array_like
        The intervals' upper bounds, >= ``lower``.

    Returns
    -------
    float
        The mean width.

    Examples
    --------
    >>> gn.metrics.interval_width(lower=[0.0, 1.0], upper=[2.0, 4.0])
    2.5
    """
    lower, upper = _arrays("interval_width", lower=lower, upper=upper)
    _ordered("interval_width", lower, upper)
    return float(np.mean(upper - lower))


def _ordered(owner: str, lower: np.ndarray, upper: np.ndarray) -> None:
    crossed = (lower > upper).reshape(-1)
    if crossed.any():
        i = int(np.argmax(crossed))
        raise ValueError(f"{owner}: lower > upper for {int(crossed.sum())} element(s) (first at flat index "
                         f"{i}: {lower.reshape(-1)[i]:.4g} > {upper.reshape(-1)[i]:.4g}); are they swapped?")


def _class_probabilities(owner: str, proba: Any) -> np.ndarray:
    """Probability rows (N, C) from (N, C), or from (N,) / (N, 1) holding P(class 1)."""
    p = np.asarray(proba, dtype=np.float64)
    check_finite(f"{owner}: proba", p, "give probabilities")
    if p.ndim == 1 or (p.ndim == 2 and p.shape[1] == 1):
        p = np.column_stack([1 - p.reshape(-1), p.reshape(-1)])
    if p.ndim != 2 or p.size == 0 or p.min() < 0 or p.max() > 1:
        raise ValueError(f"{owner}: proba must hold probabilities in [0, 1], of shape (N, C) or (N,) for "
                         f"P(class 1); got shape {p.shape}"
                         + (f" with values from {p.min():.4g} to {p.max():.4g}" if p.size else ""))
    return p


def _top_label(owner: str, y_true: Any, proba: Any) -> tuple[np.ndarray, np.ndarray]:
    """(confidence, correct) per sample: the largest class probability and whether its class is
    the true one."""
    p = _class_probabilities(owner, proba)
    labels = target_labels(y_true, owner, p.shape[1])
    if labels.shape != (p.shape[0],):
        raise ValueError(f"{owner}: {labels.size} labels for {p.shape[0]} rows of proba")
    if labels.min() < 0 or labels.max() >= p.shape[1]:
        raise ValueError(f"{owner}: y_true holds labels {np.unique(labels)[:10].tolist()}, but proba has "
                         f"{p.shape[1]} classes 0..{p.shape[1] - 1}")
    return p.max(axis=1), p.argmax(axis=1) == labels


def calibration_bins(y_true: Any, proba: Any, n_bins: int = 15) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The reliability table of a classifier: the samples binned by their confidence (the
    largest class probability) into ``n_bins`` equal bins (b/B, (b+1)/B].

    Returns ``(confidence, accuracy, counts)``, each of length ``n_bins``: the mean
    confidence and the fraction predicted correctly in each bin (NaN for an empty bin), and
    the number of samples in it. A calibrated classifier has accuracy = confidence.

    Parameters
    ----------
    y_true : array_like
        Class labels (N,) or one-hot rows.
    proba : array_like
        Class probabilities (N, C), or P(class 1) of shape (N,).
    n_bins : int, default 15
        The number of equal bins over [0, 1].

    Returns
    -------
    (ndarray, ndarray, ndarray)
        Mean confidence, accuracy and count per bin.

    Examples
    --------
    >>> confidence, accuracy, counts = gn.metrics.calibration_bins([1, 1, 0, 1], [0.9, 0.8, 0.7, 0.6],
    ...                                                            n_bins=2)
    >>> print(confidence, accuracy, counts)
    [ nan 0.75] [ nan 0.75] [0 4]
    """
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer, got {n_bins!r}")
    confidence, correct = _top_label("calibration_bins", y_true, proba)
    bins = np.clip(np.ceil(confidence * n_bins).astype(np.int64) - 1, 0, n_bins - 1)
    counts = np.bincount(bins, minlength=n_bins)
    with np.errstate(invalid="ignore"):
        mean_confidence = np.bincount(bins, confidence, n_bins) / counts
        accuracy = np.bincount(bins, correct.astype(np.float64), n_bins) / counts
    return mean_confidence, accuracy, counts


def expected_calibration_error(y_true: Any, proba: Any, n_bins: int = 15) -> float:
    """ECE = sum_b (n_b / n) |accuracy_b - confidence_b| over the bins of
    :func:`calibration_bins` (Guo et al., "On calibration of modern neural networks", ICML
    2017): 0 for a calibrated classifier.

    Parameters
    ----------
    y_true : array_like
        Class labels (N,) or one-hot rows.
    proba : array_like
        Class probabilities (N, C), or P(class 1) of shape (N,).
    n_bins : int, default 15
        The number of equal bins over [0, 1].

    Returns
    -------
    float
        The ECE, in [0, 1].

    Examples
    --------
    >>> print(round(gn.metrics.expected_calibration_error([1, 1, 0, 1], [0.9, 0.8, 0.7, 0.6], n_bins=2), 4))
    0.0
    """
    confidence, accuracy, counts = calibration_bins(y_true, proba, n_bins)
    filled = counts > 0
    return float(np.sum(counts[filled] * np.abs(accuracy[filled] - confidence[filled])) / counts.sum())


def predictive_entropy(proba: Any) -> np.ndarray:
    """The entropy of each sample's predicted distribution, H = -sum_c p_c ln p_c (nats, 0 ln 0 = 0):
    0 for a certain prediction, ln C for a uniform one. ``proba`` is (N, C), or (N,) / (N, 1)
    for P(class 1) of a binary problem. Returns shape (N,).

    Parameters
    ----------
    proba : array_like
        Class probabilities (N, C), or P(class 1) of shape (N,).

    Returns
    -------
    ndarray
        The entropy of each sample, shape (N,).

    Examples
    --------
    >>> print(gn.metrics.predictive_entropy([[1.0, 0.0], [0.5, 0.5]]))
    [-0.      0.6931]
    """
    p = _class_probabilities("predictive_entropy", proba)
    return -np.sum(p * np.log(np.where(p > 0, p, 1.0)), axis=1)
