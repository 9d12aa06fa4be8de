"""Penalties (ridge, lasso) and robust losses (absolute, Huber) next to scikit-learn's estimators."""
import numpy as np
from sklearn.linear_model import HuberRegressor, Lasso, Ridge

from glassnet.estimators import LinearRegression

rng = np.random.default_rng(0)
X = rng.normal(size=(100, 5))
y = X @ np.array([3.0, -2.0, 0.0, 0.0, 1.0]) + 0.5 + 0.3 * rng.normal(size=100)
y_out = y.copy()
y_out[:8] += 20.0                                           # eight gross outliers

pairs = {
    "ridge  alpha=10": (LinearRegression(penalty="l2", alpha=10.0), Ridge(alpha=10.0)),
    "lasso  alpha=0.3": (LinearRegression(penalty="l1", alpha=0.3, solver="gd", learning_rate=0.1,
                                          tol=1e-10, max_iter=5000), Lasso(alpha=0.3)),
}
for name, (ours, theirs) in pairs.items():
    ours.fit(X, y)
    theirs.fit(X, y)
    print(f"{name}: glassnet w = {ours.coef_.round(3)}")
    print(f"{'':17s} sklearn  w = {theirs.coef_.round(3)}")

print("\nwith 8 outliers (true w = [3, -2, 0, 0, 1], b = 0.5):")
models = {
    "squared ": LinearRegression(),
    "absolute": LinearRegression(loss="absolute", solver="gd", learning_rate=1.0, max_iter=5000, tol=1e-6),
    "huber   ": LinearRegression(loss="huber", solver="gd", learning_rate=0.1, max_iter=5000, tol=1e-10),
}
for name, model in models.items():
    model.fit(X, y_out)
    print(f"  {name} w = {model.coef_.round(2)}, b = {model.intercept_:.2f}")
huber = HuberRegressor(epsilon=1.35, alpha=0.0).fit(X, y_out)
print(f"  sklearn HuberRegressor w = {huber.coef_.round(2)}, b = {huber.intercept_:.2f}")
