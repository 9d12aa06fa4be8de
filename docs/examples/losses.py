"""Loss functions E(y_hat, y), called as loss(y_pred, y_true)."""
import numpy as np

import glassnet as gn

y_true = np.array([[1.0], [2.0], [3.0]])
y_pred = gn.tensor([[1.5], [2.0], [0.0]], dtype=np.float64)
for loss in [gn.losses.MSE(), gn.losses.MAE(), gn.losses.Huber(delta=1.0)]:
    print(f"{type(loss).__name__:6s} {loss(y_pred, y_true).item():.4f}")

p = gn.tensor([[0.9], [0.2], [0.6]], dtype=np.float64)             # predicted P(y = 1)
print(f"binary cross-entropy {gn.losses.BinaryCrossEntropy()(p, np.array([[1.0], [0.0], [1.0]])).item():.4f}")
logits = gn.tensor([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]], dtype=np.float64)
print(f"cross-entropy from logits {gn.losses.CrossEntropy()(logits, np.array([0, 2])).item():.4f}")
print("losses by name:", ", ".join(gn.losses.names()))
