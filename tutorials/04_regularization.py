"""Tutorial 4: overfitting, and three cures: an L2 penalty, dropout and early stopping.

A network far larger than the problem (two layers of 128 units) sees 15 noisy samples of a
cubic. Trained long enough it passes through every point: the training loss keeps falling
while the loss on fresh samples rises. The same network with an L2 penalty on its weights,
with dropout, or stopped early at its best validation epoch generalizes better.

Run:  python tutorials/04_regularization.py      (writes overfitting_curves.png, overfitting_fits.png)
"""
import matplotlib.pyplot as plt
import numpy as np

import glassnet as gn

rng = np.random.default_rng(1)


def cubic(n):
    x = rng.uniform(-1, 1, size=(n, 1)).astype(np.float32)
    return x, (x ** 3 - 0.5 * x + 0.15 * rng.normal(size=(n, 1))).astype(np.float32)


X, y = cubic(15)
X_val, y_val = cubic(300)


def model_with(regularizer=None, dropout=0.0):
    layers = [gn.Input((1,))]
    for _ in range(2):
        layers.append(gn.layers.Dense(128, activation="tanh", kernel_regularizer=regularizer))
        if dropout:
            layers.append(gn.layers.Dropout(dropout))
    model = gn.Sequential([*layers, gn.layers.Dense(1)], seed=0)
    model.compile(optimizer=gn.optim.Adam(lr=0.01), loss="mse")
    return model


runs = {"no regularization": (model_with(), []),
        "L2 penalty 1e-3": (model_with(gn.regularizers.L2(1e-3)), []),
        "dropout 0.2": (model_with(dropout=0.2), []),
        "early stopping": (model_with(), [gn.callbacks.EarlyStopping(patience=30)])}
grid = np.linspace(-1, 1, 200, dtype=np.float32).reshape(-1, 1)
fig_c, axes_c = plt.subplots(1, 4, figsize=(14, 3.2), sharey=True)
fig_f, axes_f = plt.subplots(1, 4, figsize=(14, 3.2), sharey=True)
for (name, (model, callbacks)), ax_c, ax_f in zip(runs.items(), axes_c, axes_f):
    h = model.fit(X, y, epochs=600, batch_size=None, validation_data=(X_val, y_val), verbose=0, seed=0,
                  callbacks=callbacks)
    train = model.evaluate(X, y, verbose=0)
    valid = model.evaluate(X_val, y_val, verbose=0)
    epochs = len(h.history["loss"])
    print(f"{name:18s} epochs {epochs:3d}  training MSE {train:.4f}  fresh-sample MSE {valid:.4f}")
    ax_c.semilogy(h.history["loss"], label="training")
    ax_c.semilogy(h.history["val_loss"], label="fresh samples")
    ax_c.set(title=name, xlabel="epoch")
    ax_f.scatter(X[:, 0], y[:, 0], s=15, color="k", zorder=3)
    ax_f.plot(grid[:, 0], grid[:, 0] ** 3 - 0.5 * grid[:, 0], "--", color="gray", label="truth")
    ax_f.plot(grid[:, 0], model.predict(grid)[:, 0], label="network")
    ax_f.set(title=name, xlabel="x", ylim=(-1, 1))
axes_c[0].set_ylabel("MSE")
axes_c[0].legend()
axes_f[0].legend()
fig_c.tight_layout()
fig_c.savefig("overfitting_curves.png", dpi=80)
fig_f.tight_layout()
fig_f.savefig("overfitting_fits.png", dpi=80)
