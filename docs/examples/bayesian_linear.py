"""Bayesian linear regression: the Gaussian posterior of the weights and the predictive spread."""
import numpy as np

from glassnet.estimators import BayesianLinearRegression

rng = np.random.default_rng(0)
x = rng.uniform(0, 4, size=(20, 1))
y = 1.0 + 0.5 * x[:, 0] + 0.2 * rng.normal(size=20)         # noise sigma 0.2: alpha = 1 / 0.2^2 = 25

model = BayesianLinearRegression(alpha=25.0, lambda_=1.0).fit(x, y)
print(f"posterior mean m = {model.coef_.round(4)}, b = {model.intercept_:.4f}")
print(f"posterior covariance S = {model.sigma_.round(5)}")

grid = np.array([[0.0], [2.0], [4.0], [8.0], [16.0]])
mean, std = model.predict(grid, return_std=True)
for xi, m, s in zip(grid[:, 0], mean, std):
    print(f"x = {xi:4.1f}: prediction {m:.3f} +- {s:.3f}")
print("the noise level alone, 1 / sqrt(alpha) =", round(1 / np.sqrt(25.0), 3))
