"""Tutorial 3: a multilayer network on the 8x8 digits, in Keras style.

64 pixels -> Dense(64, relu) -> Dense(10, softmax), Adam, sparse categorical cross-entropy,
a stratified validation split and early stopping; then the test accuracy, the learning
curves and the confusion matrix of digits it never saw.

Run:  python tutorials/03_mlp_digits.py      (writes mlp_history.png, mlp_confusion.png)
"""
import numpy as np

import glassnet as gn

data = gn.datasets.load("digits")
X = (data.X / 16.0).astype(np.float32)                     # pixels in [0, 1]
X_train, X_test, y_train, y_test = gn.data.train_test_split(X, data.y, test_size=0.2, seed=0)

model = gn.Sequential([gn.Input((64,)),
                       gn.layers.Dense(64, activation="relu"),
                       gn.layers.Dense(10, activation="softmax")], seed=0)
model.compile(optimizer=gn.optim.Adam(learning_rate=1e-3), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
model.summary()
history = model.fit(X_train, y_train, epochs=60, batch_size=32, validation_split=0.1, seed=0, verbose=0,
                    callbacks=[gn.callbacks.EarlyStopping(patience=5)])
loss, accuracy = model.evaluate(X_test, y_test, verbose=0)
print(f"{len(history.history['loss'])} epochs; test loss {loss:.4f}, test accuracy {accuracy:.3f}")
predicted = model.predict(X_test).argmax(axis=1)
wrong = np.flatnonzero(predicted != y_test)
print(f"{len(wrong)} of {len(y_test)} test digits wrong; the first ones (true -> predicted):",
      ", ".join(f"{y_test[i]} -> {predicted[i]}" for i in wrong[:5]))
gn.plot.history(history, path="mlp_history.png")
gn.plot.confusion_matrix(y_test, predicted, path="mlp_confusion.png")
