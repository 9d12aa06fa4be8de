"""Draw the trained XOR network: neurons in columns, edge width |W|, colour the sign."""
import numpy as np

import glassnet as gn

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
y = np.array([[0], [1], [1], [0]], dtype=np.float32)
model = gn.Sequential([gn.Input((2,)), gn.layers.Dense(4, activation="tanh"),
                       gn.layers.Dense(1, activation="sigmoid")], seed=0)
model.compile(optimizer=gn.optim.Adam(lr=0.05), loss="bce")
model.fit(X, y, epochs=300, batch_size=None, verbose=0, seed=0)
print("predictions", model.predict(X).ravel().round(3))
fig = gn.plot.network(model, path="network.png")
print(fig.axes[0].get_title())
