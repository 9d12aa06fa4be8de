"""Keras style: Sequential, compile, fit, evaluate, predict."""
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import glassnet as gn

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=42)
scaler = StandardScaler().fit(X_train)

model = gn.Sequential([
    gn.layers.Dense(16, activation="relu", input_dim=30),
    gn.layers.Dense(2, activation="softmax"),
], seed=0)
model.compile(optimizer=gn.optim.Adam(lr=1e-3), loss="cross_entropy", metrics=["accuracy"])
history = model.fit(scaler.transform(X_train), y_train, epochs=30, validation_split=0.1, seed=0, verbose=0)
loss, acc = model.evaluate(scaler.transform(X_test), y_test, verbose=0)
print(f"test loss {loss:.4f}, accuracy {acc:.3f}")
print("history keys:", list(history.history))
print("probabilities of the first two test rows:", model.predict(scaler.transform(X_test[:2])).round(3))
model.summary()
