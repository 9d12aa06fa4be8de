"""L2, dropout, batch normalization and early stopping against overfitting."""
import numpy as np

import glassnet as gn

rng = np.random.default_rng(0)
X = rng.uniform(-1, 1, size=(60, 1)).astype(np.float32)
y = np.sin(3 * X) + 0.3 * rng.normal(size=(60, 1)).astype(np.float32)    # few noisy points
X_val = rng.uniform(-1, 1, size=(500, 1)).astype(np.float32)
y_val = np.sin(3 * X_val) + 0.3 * rng.normal(size=(500, 1)).astype(np.float32)


def network(**dense):
    return [gn.layers.Dense(128, activation="relu", **dense) for _ in range(2)]


variants = {
    "none": network(),
    "L2 1e-3": network(kernel_regularizer=gn.regularizers.L2(1e-3)),
    "dropout 0.3": [network()[0], gn.layers.Dropout(0.3), network()[1], gn.layers.Dropout(0.3)],
    "batch norm": [network()[0], gn.layers.BatchNormalization(), network()[1]],
}
for name, layers in variants.items():
    model = gn.Sequential([gn.Input((1,)), *layers, gn.layers.Dense(1)], seed=0)
    model.compile(optimizer=gn.optim.Adam(lr=0.01), loss="mse")
    h = model.fit(X, y, epochs=300, batch_size=None, validation_data=(X_val, y_val), verbose=0, seed=0)
    train = model.evaluate(X, y, verbose=0)
    print(f"{name:12s} train MSE {train:.4f}  validation MSE {h.history['val_loss'][-1]:.4f}")

model = gn.Sequential([gn.Input((1,)), *network(), gn.layers.Dense(1)], seed=0)
model.compile(optimizer=gn.optim.Adam(lr=0.01), loss="mse")
stop = gn.callbacks.EarlyStopping(patience=20)             # restores the best epoch's weights
h = model.fit(X, y, epochs=300, batch_size=None, validation_data=(X_val, y_val), verbose=0, seed=0,
              callbacks=[stop])
print(f"early stopping: stopped after {len(h.history['loss'])} epochs, best validation MSE "
      f"{min(h.history['val_loss']):.4f} at epoch {int(np.argmin(h.history['val_loss'])) + 1}")
