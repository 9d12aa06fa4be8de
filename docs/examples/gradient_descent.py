"""Batch, stochastic and mini-batch gradient descent on the same regression."""
import numpy as np

import glassnet as gn

rng = np.random.default_rng(0)
X = rng.normal(size=(256, 3)).astype(np.float32)
w_true = np.array([[1.5], [-2.0], [0.5]], dtype=np.float32)
y = X @ w_true + 0.1 * rng.normal(size=(256, 1)).astype(np.float32)

variants = [("batch (all 256 rows)", None), ("stochastic (1 row)", 1), ("mini-batch (32 rows)", 32)]
for name, batch_size in variants:
    model = gn.Sequential([gn.layers.Dense(1, input_dim=3)], seed=0)
    model.compile(optimizer=gn.optim.SGD(lr=0.05), loss="mse")
    history = model.fit(X, y, epochs=20, batch_size=batch_size, verbose=0, seed=0)
    print(f"{name:22s} updates per epoch {int(np.ceil(256 / (batch_size or 256))):3d}, "
          f"loss after 1 epoch {history.history['loss'][0]:.4f}, after 20 {history.history['loss'][-1]:.4f}, "
          f"w = {model.layers[0].W.numpy().ravel().round(2)}")

gn.plot.gradient_descent_path(path="gradient_descent_path.png")     # three step sizes on a quadratic
