"""One neuron, z = w . x + b and a = g(z), then Rosenblatt's perceptron learning rule."""
import numpy as np

import glassnet as gn
from glassnet.estimators import Perceptron

x = gn.tensor([1.0, 0.0, 1.0])               # three inputs
w = gn.tensor([0.6, 0.4, -0.2])              # their weights
b = gn.tensor(-0.3)
z = (x * w).sum() + b                        # the weighted sum
print("z =", round(float(z.item()), 4), " step(z) =", int(z.item() > 0),
      " sigmoid(z) =", round(float(z.sigmoid().item()), 4))

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
for name, y in [("AND", [0, 0, 0, 1]), ("OR", [0, 1, 1, 1]), ("XOR", [0, 1, 1, 0])]:
    p = Perceptron(max_iter=20, random_state=0).fit(X, y)
    print(f"{name}: w = {p.coef_}, b = {p.intercept_:.1f}, predictions {p.predict(X)}, "
          f"accuracy {p.score(X, y):.2f}, epochs {p.n_iter_}")
