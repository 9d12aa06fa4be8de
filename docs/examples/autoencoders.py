"""A dense autoencoder, fit(X, X): 64 pixels squeezed through 8 numbers and back."""
import numpy as np

import glassnet as gn

data = gn.datasets.load("digits")
X = (data.X / 16.0).astype(np.float32)
X_train, X_test = X[:1400], X[1400:]
autoencoder = gn.Sequential([gn.Input((64,)), gn.layers.Dense(32, activation="relu"),
                             gn.layers.Dense(8, activation="relu"),            # the code
                             gn.layers.Dense(32, activation="relu"),
                             gn.layers.Dense(64, activation="sigmoid")], seed=0)
autoencoder.compile(optimizer=gn.optim.Adam(lr=0.005), loss="mse")
history = autoencoder.fit(X_train, X_train, epochs=30, batch_size=64, verbose=0, seed=0)
losses = history.history["loss"]
print(f"reconstruction MSE: first epoch {losses[0]:.4f}, last {losses[-1]:.4f}")
error = ((autoencoder.predict(X_test) - X_test) ** 2).mean(axis=1)
noise = np.random.default_rng(0).uniform(size=(5, 64)).astype(np.float32)
print(f"test digits: mean error {error.mean():.4f}; random images: "
      f"{((autoencoder.predict(noise) - noise) ** 2).mean():.4f} (an anomaly score)")
