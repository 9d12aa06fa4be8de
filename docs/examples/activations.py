"""Each activation g(z) and its derivative g'(z), the derivative from the engine's backward pass."""
import numpy as np

import glassnet as gn

z_values = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
print("z:" + " " * 13 + "  ".join(f"{z:6.2f}" for z in z_values))
for name in ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "softplus"]:
    z = gn.tensor(z_values, requires_grad=True, dtype=np.float64)
    a = gn.activations.get(name)(z)
    a.sum().backward()                                     # dE/dz with E = sum(a): g'(z)
    print(f"{name + ':':12s}g   " + "  ".join(f"{v:6.3f}" for v in a.numpy()))
    print(f"{'':12s}g'  " + "  ".join(f"{v:6.3f}" for v in z.grad))
print("softmax([1, 2, 3]) =", gn.activations.get("softmax")(gn.tensor([[1.0, 2.0, 3.0]])).numpy().round(4))
gn.plot.activations(["sigmoid", "tanh", "relu", "gelu"], path="activations.png")
