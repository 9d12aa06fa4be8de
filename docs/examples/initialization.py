"""How the starting weights set the size of the signal through ten layers."""
import numpy as np

import glassnet as gn

x = np.random.default_rng(0).normal(size=(500, 256)).astype(np.float32)
for activation, init in [("relu", "he_normal"), ("relu", "glorot_normal"), ("tanh", "glorot_uniform"),
                         ("tanh", "random_normal")]:
    layers = [gn.layers.Dense(256, activation=activation, kernel_initializer=init) for _ in range(10)]
    model = gn.Sequential([gn.Input((256,)), *layers], seed=0)
    stds = []
    a = x
    for layer in model.layers:
        a = layer(gn.tensor(a)).numpy()
        stds.append(a.std())
    print(f"{activation:4s} {init:15s} std of a^l, l = 1, 5, 10: {stds[0]:.3f} {stds[4]:.3f} {stds[9]:.4f}")
print("default initializer of a relu layer:", gn.initializers.default_for("relu"),
      "of a tanh layer:", gn.initializers.default_for("tanh"))
