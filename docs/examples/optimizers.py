"""The optimizers side by side on one problem, and one update worked out by hand."""
import numpy as np

import glassnet as gn

data = gn.datasets.load("moons", n_samples=300, noise=0.2, seed=0)
for name, optimizer in [("SGD", gn.optim.SGD(lr=0.1)),
                        ("SGD + momentum 0.9", gn.optim.SGD(lr=0.1, momentum=0.9)),
                        ("Nesterov", gn.optim.SGD(lr=0.1, momentum=0.9, nesterov=True)),
                        ("Adagrad", gn.optim.Adagrad(lr=0.1)),
                        ("RMSprop", gn.optim.RMSprop(lr=0.01)),
                        ("Adam", gn.optim.Adam(lr=0.01))]:
    model = gn.Sequential([gn.layers.Dense(16, activation="relu", input_dim=2),
                           gn.layers.Dense(2, activation="softmax")], seed=0)
    model.compile(optimizer=optimizer, loss="cross_entropy", metrics=["accuracy"])
    history = model.fit(data.X, data.y, epochs=30, batch_size=32, verbose=0, seed=0)
    last = {key: values[-1] for key, values in history.history.items()}
    print(f"{name:20s} loss {last['loss']:.4f}  accuracy {last['accuracy']:.3f}")

w = gn.Parameter(np.array([1.0, -2.0]))                   # PyTorch style: one Adam step on E = |w|^2
opt = gn.optim.Adam([w], lr=0.1)
loss = (w * w).sum()
opt.zero_grad()
loss.backward()
opt.step()
print("gradient", w.grad, "-> w after one Adam step", w.numpy().round(4), "(each moves by lr = 0.1)")
