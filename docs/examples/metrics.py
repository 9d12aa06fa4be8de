"""Metrics while training, from evaluate, and scikit-learn's report on the predictions."""
from sklearn.metrics import classification_report, confusion_matrix

import glassnet as gn

data = gn.datasets.load("iris")
X_train, X_test, y_train, y_test = gn.data.train_test_split(data.X, data.y, seed=0)
model = gn.Sequential([gn.layers.Dense(16, activation="relu"), gn.layers.Dense(3, activation="softmax")],
                      seed=0)
model.compile(optimizer=gn.optim.Adam(lr=0.01), loss="cross_entropy", metrics=["accuracy", "f1"])
model.fit(X_train, y_train, epochs=60, batch_size=16, verbose=0, seed=0)
print(model.evaluate(X_test, y_test, return_dict=True, verbose=0))
y_pred = model.predict(X_test).argmax(axis=1)
print(confusion_matrix(y_test, y_pred))
print(classification_report(y_test, y_pred, digits=3))
print("metrics by name:", ", ".join(gn.metrics.names()))
