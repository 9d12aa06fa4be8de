"""examples/lstm_forecast.py: an LSTM beats the naive last-value forecast and a linear
autoregression of the same window on the future part of statsmodels' sunspots and of a
noisy logistic map."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("statsmodels")

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _example():
    spec = importlib.util.spec_from_file_location("lstm_forecast", EXAMPLES / "lstm_forecast.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["sunspots", "logistic map"])
def test_lstm_beats_naive_and_linear_autoregression(name):
    forecast = _example()
    load, window = forecast.SERIES[name]
    mae = forecast.compare(load(), window, epochs=60, seed=0)
    assert mae["lstm"] < mae["linear"] < mae["naive"], mae


def test_the_test_windows_lie_after_the_training_windows():
    forecast = _example()
    series = np.arange(100.0)
    X_train, y_train, X_test, y_test = forecast.split(series, window=5)
    assert y_train.max() <= X_test[:, -1, 0].min()
    assert len(X_test) == len(series) - 5 - len(X_train)
