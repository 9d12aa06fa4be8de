"""Forward propagation by hand, layer by layer, equals the model's prediction."""
import numpy as np

import glassnet as gn

model = gn.Sequential([gn.layers.Dense(3, activation="relu", input_dim=2),
                       gn.layers.Dense(1, activation="sigmoid")], seed=0, dtype="float64")
x = np.array([[0.5, -1.0]])
a = x
for l, layer in enumerate(model.layers, start=1):
    W, b = layer.W.numpy(), layer.b.numpy()
    z = a @ W + b                                           # z^l = a^(l-1) W^l + b^l
    a = np.maximum(z, 0) if l == 1 else 1 / (1 + np.exp(-z))   # a^l = g(z^l)
    print(f"layer {l}: W {W.shape}, z = {z.round(4)}, a = {a.round(4)}")
print("model.predict(x) =", model.predict(x).round(4), " same:", np.allclose(a, model.predict(x)))
