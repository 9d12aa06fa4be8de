"""Tutorial 8: an LSTM forecaster against two baselines, on future data it never saw.

The series is synthetic and nonlinear: a noisy logistic map x_{t+1} = 3.7 x_t (1 - x_t) + noise.
gn.data.timeseries_windows cuts it into windows of the last 8 values and the value that
follows; the first 80% of the windows (in time) train, the last 20% test, so every test
target lies after every training target. Three forecasts of the next value are scored by
their mean absolute error: the last value (naive), a linear autoregression on the window,
and LSTM(16) -> Dense(1).

Run:  python tutorials/08_lstm_forecaster.py      (writes lstm_forecast.png)
"""
import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LinearRegression

import glassnet as gn

rng = np.random.default_rng(0)
series = np.empty(700)
series[0] = 0.3
for t in range(699):
    series[t + 1] = np.clip(3.7 * series[t] * (1 - series[t]) + 0.01 * rng.normal(), 0.001, 0.999)

X, y = gn.data.timeseries_windows(series.astype(np.float32), window=8, horizon=1)
split = int(0.8 * len(X))
X_train, X_test, y_train, y_test = X[:split], X[split:], y[:split], y[split:]
print(f"{len(X)} windows of shape {X.shape[1:]}: {len(X_train)} to train, the last {len(X_test)} to test")

naive = X_test[:, -1, 0]
linear = LinearRegression().fit(X_train[:, :, 0], y_train).predict(X_test[:, :, 0])
model = gn.Sequential([gn.Input((8, 1)), gn.layers.LSTM(16), gn.layers.Dense(1)], seed=0)
model.compile(optimizer=gn.optim.Adam(learning_rate=0.01, clipnorm=1.0), loss="mse")
model.fit(X_train, y_train.reshape(-1, 1), epochs=40, batch_size=32, validation_split=0.1,
          validation_split_mode="last", verbose=0, seed=0)
lstm = model.predict(X_test)[:, 0]
for name, forecast in [("naive (last value)", naive), ("linear autoregression", linear), ("LSTM", lstm)]:
    print(f"{name:22s} test MAE {np.abs(forecast - y_test.ravel()).mean():.4f}")

fig, ax = plt.subplots(figsize=(9, 3.2))
steps = np.arange(60)
ax.plot(steps, y_test.ravel()[:60], "k.-", label="truth")
ax.plot(steps, linear[:60], label="linear")
ax.plot(steps, lstm[:60], label="LSTM")
ax.set(xlabel="test step", ylabel="x", title="One-step-ahead forecasts of the logistic map")
ax.legend()
fig.tight_layout()
fig.savefig("lstm_forecast.png", dpi=80)
