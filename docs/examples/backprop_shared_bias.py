"""The lectures' 2-2-2 sigmoid network with one bias per layer: Dense(bias="shared")."""
import numpy as np

import glassnet as gn

model = gn.Sequential([gn.Input((2,)),
                       gn.layers.Dense(2, activation="sigmoid", bias="shared"),     # one b1
                       gn.layers.Dense(2, activation="sigmoid", bias="shared")],    # one b2
                      dtype="float64")
model.load_state_dict({"layers.0.W": np.array([[0.15, 0.25], [0.20, 0.30]]),      # [[w1, w3], [w2, w4]]
                       "layers.0.b": np.array([0.35]),
                       "layers.1.W": np.array([[0.40, 0.50], [0.45, 0.55]]),      # [[w5, w7], [w6, w8]]
                       "layers.1.b": np.array([0.60])})
print("b1 shape", model.layers[0].b.shape, " b2 shape", model.layers[1].b.shape)

x = gn.tensor([[0.05, 0.10]], dtype="float64")
target = gn.tensor([[0.01, 0.99]], dtype="float64")
out = model(x)
E = 0.5 * ((out - target) ** 2).sum()
E.backward()
print("outputs", out.numpy().round(8), " E_total", round(float(E.item()), 9))

hidden, output = model.layers
print("dE/dw1..w4", hidden.W.grad.T.ravel().round(8))
print("dE/dw5..w8", output.W.grad.T.ravel().round(8))
print("dE/db1 =", hidden.b.grad.round(8), " (the sum of the two hidden deltas)")
print("dE/db2 =", output.b.grad.round(8), " (the sum of the two output deltas)")
print("w5 after one step, eta = 0.5:", round(0.40 - 0.5 * float(output.W.grad[0, 0]), 8))
