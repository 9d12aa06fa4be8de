"""A mean and a variance per input: the data's noise, learned with the Gaussian negative log-likelihood."""
import numpy as np

import glassnet as gn

rng = np.random.default_rng(0)
X = rng.uniform(0, 1, (1000, 1))
y = 0.5 * np.sin(2 * np.pi * X) + (0.05 + 0.45 * X) * rng.standard_normal((1000, 1))   # noise grows with x

model = gn.Sequential([gn.Input((1,)), gn.layers.Dense(32, activation="tanh"),
                       gn.layers.Dense(32, activation="tanh"), gn.layers.GaussianHead(1)], seed=0)
model.compile(optimizer=gn.optim.Adam(learning_rate=0.01), loss=gn.losses.GaussianNLL())
model.fit(X, y, epochs=40, batch_size=64, verbose=0, seed=0)
grid = np.array([[0.1], [0.5], [0.9]])
mean, std = model.predict(grid, return_std=True)
print("x:", grid.ravel(), " predicted std:", std.ravel().round(3), " true:", (0.05 + 0.45 * grid).ravel())
lower, upper = model.predict_interval(X, level=0.95)
print(f"95% intervals cover {gn.metrics.interval_coverage(y, lower, upper):.3f} of the training points")
mean, std = model.predict(X, return_std=True)
gn.plot.uncertainty_band(X[:, 0], y[:, 0], mean[:, 0], std[:, 0], path="uncertainty_band.png")
