"""Least squares: the normal equation, gradient descent, and polynomial features."""
import numpy as np
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

from glassnet.estimators import LinearRegression

rng = np.random.default_rng(0)
x = rng.uniform(-2, 3, size=(60, 1))
y = 1.0 + 2.0 * x[:, 0] - 0.5 * x[:, 0] ** 2 + 0.3 * x[:, 0] ** 3 + 0.3 * rng.normal(size=60)

line = LinearRegression().fit(x, y)                                   # solver="normal"
print(f"line:  b = {line.intercept_:.3f}, w = {np.round(line.coef_, 3)}, R^2 = {line.score(x, y):.3f}")

cubic = make_pipeline(PolynomialFeatures(3, include_bias=False), LinearRegression()).fit(x, y)
b, w = cubic[-1].intercept_, cubic[-1].coef_
print(f"cubic: b = {b:.3f}, w = {np.round(w, 3)}, R^2 = {cubic.score(x, y):.3f}")

descent = make_pipeline(PolynomialFeatures(3, include_bias=False), StandardScaler(),
                        LinearRegression(solver="gd", learning_rate=0.3, tol=1e-9, max_iter=20000)).fit(x, y)
gap = np.abs(descent.predict(x) - cubic.predict(x)).max()
print(f"gradient descent: {descent[-1].n_iter_} iterations, "
      f"largest difference from the normal equation {gap:.1e}")
