"""A multilayer network learns XOR, which no single neuron can."""
import numpy as np

import glassnet as gn

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
y = np.array([0, 1, 1, 0])
model = gn.Sequential([gn.Input((2,)),
                       gn.layers.Dense(4, activation="tanh"),
                       gn.layers.Dense(2, activation="softmax")], seed=0)
model.compile(optimizer=gn.optim.Adam(lr=0.05), loss="cross_entropy", metrics=["accuracy"])
history = model.fit(X, y, epochs=300, batch_size=None, verbose=0, seed=0)
model.summary()
print("final loss", round(history.history["loss"][-1], 4), " accuracy", history.history["accuracy"][-1])
print("P(class 1):", model.predict(X)[:, 1].round(3))
