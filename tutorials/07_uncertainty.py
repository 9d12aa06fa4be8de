"""Tutorial 7: error bars for a surrogate model of a simulation, and knowing when it extrapolates.

A surrogate replaces an expensive simulation by a network fitted to its runs. Here the
"simulation" is synthetic: y = sin(3 x1) + x2^2 / 2 with noise that grows with x1. Five
networks ending in a GaussianHead (a mean and a variance), each trained from its own seed
on the Gaussian negative log-likelihood, make a DeepEnsemble:

    std^2 = aleatoric^2 (the mean of the members' variances: the noise)
          + epistemic^2 (the variance of the members' means: the model's ignorance)

The 95% intervals are checked on held-out runs, split-conformal intervals give a guaranteed
coverage, and along a line leaving the sampled region the epistemic part grows.

Run:  python tutorials/07_uncertainty.py      (writes uncertainty_band.png, uncertainty_calibration.png)
"""
import warnings

import numpy as np

import glassnet as gn

rng = np.random.default_rng(0)


def simulate(n, limit=1.0):
    X = rng.uniform(-limit, limit, size=(n, 2)).astype(np.float32)
    noise = 0.05 + 0.15 * (X[:, :1] + 1)
    return X, (np.sin(3 * X[:, :1]) + X[:, 1:] ** 2 / 2 + noise * rng.normal(size=(n, 1))).astype(np.float32)


def build(seed):
    model = gn.Sequential([gn.Input((2,)), gn.layers.Dense(32, activation="tanh"),
                           gn.layers.Dense(32, activation="tanh"), gn.layers.GaussianHead(1)], seed=seed)
    model.compile(optimizer=gn.optim.Adam(learning_rate=0.01), loss=gn.losses.GaussianNLL())
    return model


(X, y), (X_cal, y_cal), (X_test, y_test) = simulate(1500), simulate(500, 0.95), simulate(2000, 0.95)
ensemble = gn.uncertainty.DeepEnsemble(build, n_members=5, seed=0)
ensemble.fit(X, y, epochs=25, batch_size=64)
lower, upper = ensemble.predict_interval(X_test, level=0.95)
print(f"ensemble 95% intervals: coverage {gn.metrics.interval_coverage(y_test, lower, upper):.3f}, "
      f"mean width {gn.metrics.interval_width(lower, upper):.3f}")
lower_c, upper_c = gn.uncertainty.conformal_interval(ensemble, X_cal, y_cal, X_test, level=0.95)
print(f"split-conformal 95%:   coverage {gn.metrics.interval_coverage(y_test, lower_c, upper_c):.3f}, "
      f"mean width {gn.metrics.interval_width(lower_c, upper_c):.3f}")

line = np.column_stack([np.linspace(-3, 3, 121), np.zeros(121)]).astype(np.float32)   # x1 from -3 to 3
with warnings.catch_warnings():
    warnings.simplefilter("ignore", gn.io.ExtrapolationWarning)    # outside [-1, 1] on purpose
    parts = ensemble.predict_components(line)
inside, outside = np.abs(line[:, 0]) <= 1, np.abs(line[:, 0]) >= 2
print(f"epistemic std: median {np.median(parts.epistemic_std[inside]):.3f} inside the sampled region, "
      f"{np.median(parts.epistemic_std[outside]):.3f} beyond |x1| = 2")
gn.plot.uncertainty_band(line[:, 0], None, parts.mean, parts.std, parts.aleatoric_std, parts.epistemic_std,
                         path="uncertainty_band.png")
mean, std = ensemble.predict(X_test, return_std=True)
gn.plot.calibration(y_test, mean=mean, std=std, path="uncertainty_calibration.png")
