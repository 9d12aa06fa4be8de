"""Polynomial and Gaussian-basis regression: curves from a model that stays linear in its parameters.

A cubic y = 1 + 2x - 0.5x^2 + 0.3x^3 is not a straight line in x, but it is a linear
function of the features (x, x^2, x^3):  y_hat = b + w1 x + w2 x^2 + w3 x^3. So the same
least squares that fits a line fits the curve: PolynomialFeatures builds the features,
glassnet's LinearRegression solves the normal equation for (b, w). Gaussian bumps
phi_k(x) = exp(-(x - mu_k)^2 / (2 s^2)) work the same way.

Run:  python examples/polynomial_regression.py [--plot fit.png]
"""

from __future__ import annotations

import argparse

import numpy as np
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

from glassnet.estimators import GaussianBasis, LinearRegression

TRUE_COEF = (1.0, 2.0, -0.5, 0.3)          # b, w1, w2, w3


def make_data(n: int = 60, noise: float = 0.3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Noisy samples of the cubic on [-2, 3]."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-2, 3, size=n))
    y = sum(c * x**k for k, c in enumerate(TRUE_COEF)) + noise * rng.normal(size=n)
    return x.reshape(-1, 1), y


def main(plot: str | None = None) -> None:
    X, y = make_data()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)

    cubic = make_pipeline(PolynomialFeatures(3, include_bias=False), LinearRegression())
    cubic.fit(X_train, y_train)
    model = cubic[-1]
    print(f"true       b, w = {TRUE_COEF}")
    print(f"recovered  b, w = ({model.intercept_:.3f}, " + ", ".join(f"{w:.3f}" for w in model.coef_) + ")")

    inside = ~outside_training_range(X_train, X_test)
    print("\ndegree  train MSE  test MSE  test MSE inside the training range   (too low a degree underfits, "
          "too high overfits)")
    for degree in (1, 2, 3, 9):
        fit = make_pipeline(PolynomialFeatures(degree, include_bias=False), LinearRegression())
        fit.fit(X_train, y_train)
        train = mean_squared_error(y_train, fit.predict(X_train))
        test = mean_squared_error(y_test, fit.predict(X_test))
        test_inside = mean_squared_error(y_test[inside], fit.predict(X_test[inside]))
        print(f"{degree:6d}  {train:9.4f}  {test:8.4f}  {test_inside:8.4f}")

    descent = make_pipeline(PolynomialFeatures(3, include_bias=False), StandardScaler(),
                            LinearRegression(solver="gd", learning_rate=0.3, tol=1e-9, max_iter=20000))
    descent.fit(X_train, y_train)
    gap = np.abs(descent.predict(X_test) - cubic.predict(X_test)).max()
    print(f"\ngradient descent on the same features: {descent[-1].n_iter_} iterations, "
          f"largest difference from the normal equation's predictions {gap:.2e}")

    bumps = make_pipeline(GaussianBasis(centers=8), LinearRegression(alpha=1e-3)).fit(X_train, y_train)
    report_extrapolation(bumps, cubic, X_train, X_test, y_test)

    if plot:
        _plot(X, y, {"degree 3": cubic, "8 Gaussian bumps": bumps}, plot)


def outside_training_range(X_train: np.ndarray, X_test: np.ndarray) -> np.ndarray:
    """A mask of the test rows with an x outside [min, max] of the training x."""
    low, high = X_train.min(axis=0), X_train.max(axis=0)
    return ((X_test < low) | (X_test > high)).any(axis=1)


def report_extrapolation(bumps, cubic, X_train: np.ndarray, X_test: np.ndarray, y_test: np.ndarray) -> dict:
    """Print the Gaussian-bump model's test MSE with and without the test points outside the
    training range, and those points' errors; return the numbers.

    The bumps are centred inside the training range and vanish beyond it, so past the last
    training x the model falls back towards its intercept while the cubic keeps rising:
    a test point out there is an extrapolation, not a test of the fit.
    """
    outside = outside_training_range(X_train, X_test)
    errors = (bumps.predict(X_test) - y_test) ** 2
    result = {"mse": float(errors.mean()), "mse_inside": float(errors[~outside].mean()),
              "outside_x": X_test[outside, 0].tolist(), "outside_errors": errors[outside].tolist()}
    print(f"8 Gaussian bumps: test MSE {result['mse']:.4f} on all {len(y_test)} test points")
    low, high = X_train[:, 0].min(), X_train[:, 0].max()
    for x, error, cubic_error in zip(X_test[outside, 0], errors[outside],
                                     (cubic.predict(X_test[outside]) - y_test[outside]) ** 2):
        print(f"  x = {x:.3f} lies outside the training range [{low:.3f}, {high:.3f}]: squared error "
              f"{error:.4f} (the cubic's: {cubic_error:.4f}), {error / errors.sum():.0%} of the total")
    print(f"  without the {int(outside.sum())} point(s) outside the training range: test MSE "
          f"{result['mse_inside']:.4f} on {int((~outside).sum())} points")
    return result


def _plot(X: np.ndarray, y: np.ndarray, models: dict, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grid = np.linspace(X.min(), X.max(), 200).reshape(-1, 1)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.scatter(X[:, 0], y, s=12, color="gray", label="data")
    for label, model in models.items():
        ax.plot(grid[:, 0], model.predict(grid), label=label)
    ax.set(xlabel="x", ylabel="y", title="Linear in the parameters, curved in x")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    print(f"figure saved to {path}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plot", metavar="PNG", help="save a figure of the fits to this file")
    main(parser.parse_args().plot)
