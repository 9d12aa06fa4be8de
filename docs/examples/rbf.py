"""An RBF network: Gaussian units placed by k-means, then a linear output layer, on a 1-D curve."""
import numpy as np

import glassnet as gn

rng = np.random.default_rng(0)
X = np.sort(rng.uniform(-3, 3, size=(80, 1)), axis=0).astype(np.float32)
y = (np.sin(2 * X) + 0.1 * rng.normal(size=X.shape)).astype(np.float32)

print("phi(z) at z = 0, 1, 2:")
z = gn.tensor([0.0, 1.0, 2.0])
for kernel in ("gaussian", "multiquadric", "inverse_multiquadric"):
    print(f"  {kernel:21s}", gn.activations.get(kernel)(z).numpy().round(4))

for kernel in ("gaussian", "multiquadric", "inverse_multiquadric"):
    rbf = gn.layers.RBF(10, kernel=kernel, seed=0)
    rbf.adapt(X)                                          # k-means centres, widths from the gaps
    model = gn.Sequential([gn.Input((1,)), rbf, gn.layers.Dense(1)], seed=0)
    model.compile(optimizer=gn.optim.Adam(lr=0.05), loss="mse")
    history = model.fit(X, y, epochs=200, batch_size=None, verbose=0, seed=0)
    print(f"{kernel:21s} training MSE {history.history['loss'][-1]:.4f}")

print("centres after training:", np.sort(rbf.C.numpy().ravel()).round(2))
print("widths after training: ", rbf.widths.numpy().round(2))
