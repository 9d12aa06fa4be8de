"""An LSTM forecaster against two baselines, on held-out future data.

Each series is cut into windows of its last ``window`` values and the value that follows
(``gn.data.timeseries_windows``); the first 80% of the windows (in time) train, the last 20%
test, so every test target lies after every training target. Three forecasts of the next
value are scored by their mean absolute error (MAE) on the test windows:

- naive: the window's last value;
- linear autoregression: least squares on the same windows, y = w . window + b;
- LSTM: LSTM(units) -> Dense(1), trained with Adam on the standardised series.

Two series: the yearly sunspot numbers 1700-2008 that statsmodels ships (``sunspots``; a
nonlinear cycle of about eleven years whose rise is steeper than its fall), and a synthetic
noisy logistic map x_{t+1} = 3.7 x_t (1 - x_t) + noise, nonlinear by construction.

On the logistic map the LSTM's error is a small fraction of the linear model's. On the
sunspots its margin over the linear autoregression is a few percent and depends on the
seed (the training set is about 240 windows): most seeds win, some do not.

Run:  python examples/lstm_forecast.py [--epochs 60] [--seed 0]
(the environment variable GLASSNET_EXAMPLE_EPOCHS overrides the default number of epochs).
"""

from __future__ import annotations

import argparse
import os

import numpy as np

import glassnet as gn

L = gn.layers


def sunspots() -> np.ndarray:
    """The yearly sunspot numbers 1700-2008 (statsmodels' bundled copy, offline)."""
    from statsmodels.datasets import sunspots as data

    return data.load_pandas().data["SUNACTIVITY"].to_numpy(dtype=np.float64)


def logistic_map(n: int = 600, seed: int = 0) -> np.ndarray:
    """x_{t+1} = 3.7 x_t (1 - x_t) + N(0, 0.01^2), kept in (0, 1)."""
    rng = np.random.default_rng(seed)
    x = np.empty(n)
    x[0] = 0.3
    for t in range(n - 1):
        x[t + 1] = np.clip(3.7 * x[t] * (1 - x[t]) + 0.01 * rng.normal(), 0.01, 0.99)
    return x


def split(series: np.ndarray, window: int, train_fraction: float = 0.8) -> tuple[np.ndarray, ...]:
    """Windows and next values, the first ``train_fraction`` (in time) for training."""
    X, y = gn.data.timeseries_windows(series, window)
    cut = int(train_fraction * len(X))
    return X[:cut], y[:cut], X[cut:], y[cut:]


def linear_autoregression(X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray) -> np.ndarray:
    """Least-squares y = w . window + b on the training windows, applied to the test windows."""
    design = np.c_[X_train[:, :, 0], np.ones(len(X_train))]
    coef, *_ = np.linalg.lstsq(design, y_train, rcond=None)
    return np.c_[X_test[:, :, 0], np.ones(len(X_test))] @ coef


def lstm_forecast(X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray, units: int = 32,
                  epochs: int = 60, seed: int = 0) -> np.ndarray:
    """LSTM(units) -> Dense(1) on the series standardised with the training windows' statistics."""
    mean, std = X_train.mean(), X_train.std()
    model = gn.Sequential([L.LSTM(units), L.Dense(1)], seed=seed)
    model.compile(optimizer=gn.optim.Adam(lr=3e-3), loss="mse")
    model.fit(((X_train - mean) / std).astype(np.float32), ((y_train - mean) / std).astype(np.float32),
              epochs=epochs, batch_size=32, seed=seed, verbose=0)
    return model.predict(((X_test - mean) / std).astype(np.float32))[:, 0] * std + mean


def compare(series: np.ndarray, window: int, epochs: int = 60, seed: int = 0,
            units: int = 32) -> dict[str, float]:
    """Test MAE of the naive, linear autoregressive and LSTM forecasts."""
    X_train, y_train, X_test, y_test = split(series, window)
    forecasts = {
        "naive": X_test[:, -1, 0],
        "linear": linear_autoregression(X_train, y_train, X_test),
        "lstm": lstm_forecast(X_train, y_train, X_test, units, epochs, seed),
    }
    return {name: float(np.mean(np.abs(f - y_test))) for name, f in forecasts.items()}


SERIES = {"sunspots": (sunspots, 12), "logistic map": (logistic_map, 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=int(os.environ.get("GLASSNET_EXAMPLE_EPOCHS", 60)))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for name, (load, window) in SERIES.items():
        mae = compare(load(), window, args.epochs, args.seed)
        print(f"{name:13s} window {window:2d}   test MAE: naive {mae['naive']:.4g}   "
              f"linear AR {mae['linear']:.4g}   LSTM {mae['lstm']:.4g}")


if __name__ == "__main__":
    main()
