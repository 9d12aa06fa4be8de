"""The chain rule, node by node: the lectures' example f = (x + y) z, and a trace of a network."""
import numpy as np

import glassnet as gn

x = gn.tensor(-2.0, requires_grad=True, dtype=np.float64)
y = gn.tensor(5.0, requires_grad=True, dtype=np.float64)
z = gn.tensor(-4.0, requires_grad=True, dtype=np.float64)
q = x + y
q.retain_grad()
f = q * z
f.backward()
print(f"f = {f.item()}, df/dq = {q.grad}, df/dx = {x.grad}, df/dy = {y.grad}, df/dz = {z.grad}")

gn.explain.examples.run("two-layer-sigmoid").print()      # as `glassnet explain two-layer-sigmoid`
