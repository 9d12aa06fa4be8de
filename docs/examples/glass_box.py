"""The glass-box tools on a small network: trace, gradcheck, graph, activations, lr_finder, landscape."""
from sklearn.datasets import load_iris
from sklearn.preprocessing import StandardScaler

import glassnet as gn

X, y = load_iris(return_X_y=True)
X = StandardScaler().fit_transform(X)
model = gn.Sequential([gn.layers.Dense(4, activation="sigmoid", input_dim=4),
                       gn.layers.Dense(3, activation="softmax")], seed=0, dtype="float64")
model.compile(optimizer="sgd", loss="cross_entropy")

trace = gn.explain.trace(model, X[:4], y[:4], optimizer=gn.optim.SGD(lr=0.5))
trace.table()             # per layer: a_prev, z, a, delta = dE/dz, dE/dW, dE/db, the update
trace.equations(1)        # the chain rule with the numbers
print(gn.explain.gradcheck(model, X, y))
loss = gn.losses.CrossEntropy()(model(gn.tensor(X[:4], dtype="float64")), y[:4])
print("\n".join(gn.explain.graph(loss).dot.splitlines()[:6]), "\n...")
model.fit(X, y, epochs=50, verbose=0, seed=0)
gn.explain.activation_report(model, X).table()
finder = gn.explain.lr_finder(model, X, y, start=1e-4, end=10.0, steps=60, seed=0)
print(f"learning-rate range test suggests lr = {finder.suggestion:.3g}")
finder.plot("lr_finder.png")
gn.explain.loss_landscape(model, X, y, kind="2d", steps=15).plot("loss_landscape.png")
