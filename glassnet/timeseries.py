"""Time series as supervised data: windows of the past and their targets, and walk-forward
folds that never train on the future. Also reachable as ``gn.data.timeseries_windows`` and
``gn.data.WalkForward``."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["timeseries_windows", "WalkForward"]


def _positive_int(value: Any, name: str, owner: str = "timeseries_windows") -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive integer, got {value!r}")
    return int(value)


def timeseries_windows(series: Any, window: int, horizon: int = 1,
                       stride: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Cut a time series into supervised samples: each window of past values, and the value
    ``horizon`` steps after the window's end.

    Sample i covers the times t = i s, ..., i s + window - 1 (s the stride) and its target is
    the value at time i s + window - 1 + horizon:

    .. math::

        X_i = (x_{is}, \\dots, x_{is + w - 1}), \\qquad y_i = x_{is + w - 1 + h}

    Parameters
    ----------
    series : array_like of shape (T,) or (T, F)
        Values in time order (a pandas Series or DataFrame too); F features per step.
    window : int
        Steps per input window, w >= 1.
    horizon : int, default 1
        How many steps after the window's last step the target lies, h >= 1 (1: the next value).
    stride : int, default 1
        Steps between the starts of consecutive windows.

    Returns
    -------
    X : ndarray of shape (N, window, F)
        The input windows, as a recurrent layer reads them (N, T, F); F = 1 for a 1-D series.
    y : ndarray of shape (N,) for a 1-D series, (N, F) otherwise
        The targets. N = floor((T - window - horizon) / stride) + 1.

    Examples
    --------
    >>> X, y = timeseries_windows(np.arange(6.0), window=3)
    >>> X[:, :, 0]
    array([[0., 1., 2.],
           [1., 2., 3.],
           [2., 3., 4.]])
    >>> y
    array([3., 4., 5.])
    """
    from numpy.lib.stride_tricks import sliding_window_view

    window, horizon, stride = (_positive_int(v, n) for v, n in ((window, "window"), (horizon, "horizon"),
                                                                 (stride, "stride")))
    values = np.asarray(series)
    if values.dtype.kind not in "biuf" or values.ndim not in (1, 2):
        raise ValueError(f"timeseries_windows: series must be numbers of shape (T,) or (T, features), "
                         f"got {values.dtype} values of shape {values.shape}")
    if values.dtype.kind != "f":
        values = values.astype(np.float64)
    if not np.all(np.isfinite(values)):
        raise ValueError("timeseries_windows: series holds NaN or infinite values; fill or drop them first "
                         "(a window would carry them into training)")
    steps = values.shape[0]
    if steps < window + horizon:
        raise ValueError(f"timeseries_windows: a series of {steps} steps is too short for window={window} "
                         f"and horizon={horizon} (each sample spans window + horizon = {window + horizon} "
                         "steps)")
    table = values if values.ndim == 2 else values[:, None]
    starts = np.arange(0, steps - window - horizon + 1, stride)
    X = np.ascontiguousarray(sliding_window_view(table, window, axis=0)[starts].transpose(0, 2, 1))
    y = values[starts + window - 1 + horizon].copy()
    return X, y


class WalkForward:
    """Walk-forward validation: each fold trains on a stretch of the past and validates on
    the samples that follow it, never the other way round (scikit-learn's ``TimeSeriesSplit``).

    With samples made by :func:`timeseries_windows` at a ``horizon`` h > 1, the last h - 1
    samples before each validation part are left out of training (``gap``): their targets lie
    after the first validation window's end, in that window's future.

    Usable wherever glassnet takes ``cv=``: ``gn.cross_validate(build, X, y, cv=WalkForward(5))``
    and ``gn.tune.search(..., cv=WalkForward(5))``.

    Parameters
    ----------
    n_splits : int, default 5
        Number of folds, >= 2; the training part grows from fold to fold.
    horizon : int, default 1
        The horizon of the samples; h - 1 samples are dropped before each validation part.
    test_size : int, optional
        Validation samples per fold (default: N // (n_splits + 1)).
    max_train_size : int, optional
        Train on at most this many of the latest samples (a sliding rather than growing window).

    Examples
    --------
    >>> [(int(train.max()), int(test.min())) for train, test in WalkForward(3).split(np.zeros(8))]
    [(1, 2), (3, 4), (5, 6)]
    """

    def __init__(self, n_splits: int = 5, horizon: int = 1, test_size: int | None = None,
                 max_train_size: int | None = None) -> None:
        if isinstance(n_splits, bool) or not isinstance(n_splits, (int, np.integer)) or n_splits < 2:
            raise ValueError(f"WalkForward: n_splits must be an integer >= 2, got {n_splits!r}")
        self.n_splits = int(n_splits)
        self.horizon = _positive_int(horizon, "horizon", "WalkForward")
        self.test_size = None if test_size is None else _positive_int(test_size, "test_size", "WalkForward")
        self.max_train_size = (None if max_train_size is None
                               else _positive_int(max_train_size, "max_train_size", "WalkForward"))

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        return self.n_splits

    def split(self, X: Any, y: Any = None, groups: Any = None) -> Any:
        """(train indices, validation indices) of each fold, in time order."""
        from sklearn.model_selection import TimeSeriesSplit

        n = len(X)
        test = self.test_size or n // (self.n_splits + 1)
        if n - self.n_splits * test - (self.horizon - 1) < 1 or test < 1:
            raise ValueError(f"WalkForward: {n} samples are too few for {self.n_splits} folds of {test} "
                             f"with horizon {self.horizon}; use fewer folds or more data")
        splitter = TimeSeriesSplit(self.n_splits, test_size=self.test_size, gap=self.horizon - 1,
                                   max_train_size=self.max_train_size)
        yield from splitter.split(np.zeros((n, 1)))

    def __repr__(self) -> str:
        return (f"WalkForward(n_splits={self.n_splits}, horizon={self.horizon}, test_size={self.test_size}, "
                f"max_train_size={self.max_train_size})")
