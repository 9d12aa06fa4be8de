"""gn.data.timeseries_windows and gn.data.WalkForward: windows and targets, errors, folds that
never train on the future, and their use as cv= in cross_validate and tune.search."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import TimeSeriesSplit

import glassnet as gn

L = gn.layers


@pytest.mark.parametrize("window, horizon, stride", [(1, 1, 1), (3, 1, 1), (4, 2, 1), (3, 1, 2), (5, 3, 4)])
def test_windows_and_targets(window, horizon, stride):
    series = np.arange(20.0)
    X, y = gn.data.timeseries_windows(series, window, horizon, stride)
    n = (20 - window - horizon) // stride + 1
    assert X.shape == (n, window, 1) and y.shape == (n,)
    for i in range(n):
        start = i * stride
        np.testing.assert_array_equal(X[i, :, 0], series[start:start + window])
        assert y[i] == series[start + window - 1 + horizon]


def test_several_features_and_pandas():
    table = pd.DataFrame({"a": np.arange(10.0), "b": -np.arange(10.0)})
    X, y = gn.data.timeseries_windows(table, window=4, horizon=2)
    assert X.shape == (5, 4, 2) and y.shape == (5, 2)
    np.testing.assert_array_equal(X[1], table.to_numpy()[1:5])
    np.testing.assert_array_equal(y[1], table.to_numpy()[6])
    assert X.flags.c_contiguous
    X_int, _ = gn.data.timeseries_windows(pd.Series(np.arange(5)), 2)
    assert X_int.dtype == np.float64


@pytest.mark.parametrize("args, message", [
    ((np.arange(5.0), 5), "too short.*window=5 and horizon=1"),
    ((np.arange(5.0), 0), "window must be a positive integer"),
    ((np.arange(5.0), 2.0), "window must be a positive integer"),
    ((np.arange(5.0), 2, 0), "horizon must be"),
    ((np.arange(5.0), 2, 1, True), "stride must be"),
    ((np.zeros((3, 2, 2)), 1), r"shape \(T,\) or \(T, features\)"),
    ((np.array(["a", "b", "c"]), 1), "numbers"),
    ((np.array([1.0, np.nan, 2.0, 3.0]), 1), "NaN"),
])
def test_window_errors(args, message):
    with pytest.raises(ValueError, match=message):
        gn.data.timeseries_windows(*args)


@pytest.mark.parametrize("horizon", [1, 3])
def test_walk_forward_never_trains_on_the_future(horizon):
    window = 4
    series = np.arange(60.0)
    X, y = gn.data.timeseries_windows(series, window, horizon)
    folds = list(gn.data.WalkForward(4, horizon=horizon).split(X))
    assert len(folds) == 4
    for train, test in folds:
        # Every value a training sample saw (inputs and target) precedes every forecast origin.
        assert y[train].max() <= X[test, -1, 0].min()
        assert train.max() < test.min()
    assert [len(train) for train, _ in folds] == sorted(len(train) for train, _ in folds)


def test_walk_forward_is_time_series_split_with_a_gap():
    ours = list(gn.data.WalkForward(3, horizon=2, test_size=4, max_train_size=6).split(np.zeros(30)))
    theirs = list(TimeSeriesSplit(3, test_size=4, gap=1, max_train_size=6).split(np.zeros(30)))
    for (a, b), (c, d) in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)


def test_walk_forward_errors():
    with pytest.raises(ValueError, match="n_splits"):
        gn.data.WalkForward(1)
    with pytest.raises(ValueError, match="WalkForward: horizon"):
        gn.data.WalkForward(3, horizon=0)
    with pytest.raises(ValueError, match="too few"):
        list(gn.data.WalkForward(5).split(np.zeros(5)))


def _series_data():
    t = np.arange(200)
    series = np.sin(t / 6.0) + 0.05 * np.random.default_rng(0).normal(size=t.size)
    X, y = gn.data.timeseries_windows(series.astype(np.float32), window=6)
    return X, y


def _build(params=None):
    model = gn.Sequential([L.Flatten(), L.Dense((params or {}).get("units", 4)), L.Dense(1)], seed=0)
    model.compile(optimizer="adam", loss="mse")
    return model


def test_walk_forward_in_cross_validate():
    X, y = _series_data()
    scores = gn.cross_validate(_build, X, y, cv=gn.data.WalkForward(3), seed=0, epochs=2, batch_size=32)
    assert len(scores.folds) == 3
    assert np.all(np.isfinite(scores["loss"]))


def test_walk_forward_in_tune_search():
    X, y = _series_data()
    result = gn.tune.search(_build, {"units": [2, 4]}, (X, y), cv=gn.data.WalkForward(3),
                            fit_kwargs={"epochs": 1, "batch_size": 32})
    assert len(result.trials) == 2
