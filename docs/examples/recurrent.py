"""An LSTM reads a sequence step by step; here it learns whether a sequence ends lower than it began."""
import numpy as np

import glassnet as gn

rng = np.random.default_rng(0)
X = rng.normal(size=(400, 10, 1)).astype(np.float32)      # 400 sequences of 10 steps, 1 feature
y = (X[:, 0, 0] > X[:, -1, 0]).astype(int)
model = gn.Sequential([gn.Input((10, 1)), gn.layers.LSTM(8), gn.layers.Dense(2, activation="softmax")],
                      seed=0)
model.compile(optimizer=gn.optim.Adam(learning_rate=0.02, clipnorm=1.0),
              loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(X[:300], y[:300], epochs=15, batch_size=32, verbose=0, seed=0)
print(f"training accuracy {history.history['accuracy'][-1]:.3f}, "
      f"held-out accuracy {model.evaluate(X[300:], y[300:], return_dict=True, verbose=0)['accuracy']:.3f}")

series = np.sin(np.arange(12.0))
windows, targets = gn.data.timeseries_windows(series, window=4, horizon=1)
print("windows", windows.shape, "first:", windows[0].ravel().round(3), "-> target", targets[0].round(3))
