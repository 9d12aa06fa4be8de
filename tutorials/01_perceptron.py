"""Tutorial 1: the perceptron, Rosenblatt's learning rule, and where a single neuron stops.

The perceptron computes y_hat = step(w . x + b) and, for each misclassified sample,
moves the boundary towards it: w <- w + eta (y - y_hat) x, b <- b + eta (y - y_hat).
On two separable clouds it stops after an epoch without a mistake; on XOR it never does.

Run:  python tutorials/01_perceptron.py      (writes perceptron_boundaries.png here)
"""
import warnings

import matplotlib.pyplot as plt
import numpy as np

import glassnet as gn
from glassnet.estimators import Perceptron

rng = np.random.default_rng(0)
clouds = (np.vstack([rng.normal((-1.5, -1.0), 0.6, size=(100, 2)),            # two separable clouds
                     rng.normal((1.5, 1.0), 0.6, size=(100, 2))]), np.repeat([0, 1], 100))
xor = gn.datasets.load("xor", n_samples=200, seed=0)

fig, axes = plt.subplots(1, 2, figsize=(9, 4))
for ax, (X, y), name in zip(axes, [clouds, (xor.X, xor.y)], ["two clouds", "XOR"]):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        p = Perceptron(max_iter=50, random_state=0).fit(X, y)
    b = float(np.ravel(p.intercept_)[0])
    print(f"{name}: w = {np.round(p.coef_, 3)}, b = {b:.3f}, epochs {p.n_iter_}, "
          f"training accuracy {p.score(X, y):.3f}")
    for w in caught:
        print("   warning:", w.message)
    grid = np.linspace(X.min(axis=0) - 0.5, X.max(axis=0) + 0.5, 200)
    xx, yy = np.meshgrid(grid[:, 0], grid[:, 1])
    zz = p.predict(np.column_stack([xx.ravel(), yy.ravel()])).reshape(xx.shape)
    ax.contourf(xx, yy, zz, alpha=0.25, cmap="coolwarm")
    ax.scatter(*X.T, c=y, cmap="coolwarm", s=12, edgecolors="k", linewidths=0.3)
    ax.set(title=f"{name}: accuracy {p.score(X, y):.2f}", xlabel="$x_1$", ylabel="$x_2$")
fig.tight_layout()
fig.savefig("perceptron_boundaries.png", dpi=90)
