"""Regularization, training dynamics and preprocessing, each shown on a small problem.

1. Preprocessing with scikit-learn: StandardScaler (z = (x - mean) / std),
   MinMaxScaler(feature_range=(a, b)) (x' = a + (x - min)(b - a) / (max - min)) and
   OneHotEncoder for a categorical column; fitted on the training part only.
2. Overfitting: an over-large network on 12 noisy samples of a cubic memorizes the noise
   (training loss falls, validation loss rises). An L2 penalty, dropout and early stopping
   each bring the validation loss back down.
3. Vanishing gradients: in an 8-layer sigmoid network the first layer's gradient is orders
   of magnitude smaller than the last one's (sigma' <= 1/4 per layer); ReLU with He
   initialization keeps them comparable.
4. Learning rates on least squares: too small crawls, a good one converges, too large
   diverges.
5. Cross-validation: mean ± std of the scores over stratified folds.

Run:  python examples/regularization.py
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.preprocessing import MinMaxScaler, OneHotEncoder, StandardScaler

import glassnet as gn
from glassnet import callbacks, data, regularizers
from glassnet.layers import Dense, Dropout
from glassnet.optim import SGD, Adam


def preprocessing() -> None:
    """Scale the numbers and one-hot encode the category of a small table, then train."""
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"size": rng.uniform(50, 150, 200), "age": rng.uniform(0, 40, 200),
                          "colour": rng.choice(["red", "green", "blue"], 200)})
    y = ((table["size"] > 100) & (table["colour"] != "blue")).astype(np.int64)
    X_train, X_test, y_train, y_test = data.train_test_split(table, y, test_size=0.25, seed=0)
    columns = ColumnTransformer([
        ("z", StandardScaler(), ["size"]),
        ("minmax", MinMaxScaler(feature_range=(-1, 1)), ["age"]),
        ("onehot", OneHotEncoder(), ["colour"]),
    ])
    A_train = columns.fit_transform(X_train)       # statistics of the training part only
    A_test = columns.transform(X_test)
    model = gn.Sequential([Dense(16, activation="relu", input_dim=A_train.shape[1]),
                           Dense(2, activation="softmax")], seed=0)
    model.compile(optimizer=Adam(lr=0.02), loss="cross_entropy", metrics=["accuracy"])
    model.fit(A_train, y_train, epochs=60, batch_size=32, seed=0, verbose=0)
    _, accuracy = model.evaluate(A_test, y_test, verbose=0)
    print(f"1. preprocessed table: test accuracy {accuracy:.3f}")


def _noisy_cubic(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    x = rng.uniform(-1, 1, size=(n, 1))
    return x.astype(np.float32), (x**3 - 0.5 * x + 0.3 * rng.normal(size=(n, 1))).astype(np.float32)


def _over_large(reg: object = None, rate: float = 0.0) -> gn.Sequential:
    layers: list = []
    for i in range(2):
        layers.append(Dense(128, activation="relu", input_dim=1 if i == 0 else None, kernel_regularizer=reg))
        if rate:
            layers.append(Dropout(rate))
    model = gn.Sequential([*layers, Dense(1)], seed=0)
    model.compile(optimizer=Adam(lr=0.02), loss="mse")
    return model


def overfitting() -> None:
    rng = np.random.default_rng(0)
    X, y = _noisy_cubic(rng, 12)
    val = _noisy_cubic(rng, 200)
    print("2. overfitting: validation MSE at the end (the noise alone gives 0.09)")
    runs = [("no regularization", _over_large(), []),
            ("L2(1e-2)", _over_large(reg=regularizers.L2(1e-2)), []),
            ("Dropout(0.3)", _over_large(rate=0.3), []),
            ("EarlyStopping(patience=20)", _over_large(), [callbacks.EarlyStopping(patience=20)])]
    for name, model, cbs in runs:
        hist = model.fit(X, y, epochs=800, batch_size=None, validation_data=val, verbose=0, seed=0,
                         callbacks=cbs)
        curve = hist.history["val_loss"]
        print(f"   {name:28s} train {hist.history['loss'][-1]:.3f}  val {model.evaluate(*val, verbose=0):.3f}"
              f"  (lowest val {min(curve):.3f} at epoch {int(np.argmin(curve)) + 1} of {len(curve)})")


def vanishing_gradients() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(256, 16)).astype(np.float32)
    y = (X[:, :1] > 0).astype(np.float32)
    print("3. gradient norm per layer, first to last (one epoch)")
    for activation in ("sigmoid", "relu"):
        layers = [Dense(32, activation=activation, input_dim=16 if i == 0 else None, name=f"h{i}")
                  for i in range(8)]
        model = gn.Sequential([*layers, Dense(1, name="out")], seed=0)
        model.compile(optimizer=SGD(lr=0.01), loss="mse")
        hist = model.fit(X, y, epochs=1, batch_size=64, verbose=0, seed=0, track_gradients=True)
        norms = hist.gradient_norms
        print(f"   {activation:8s}" + " ".join(f"{norms[f'h{i}'][0]:.1e}" for i in range(8)))


def learning_rates() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3)).astype(np.float32)
    noise = 0.1 * rng.normal(size=(200, 1)).astype(np.float32)
    y = X @ np.array([[1.5], [-2.0], [0.5]], dtype=np.float32) + noise
    print("4. least squares, MSE after epochs 1, 10, 30")
    for lr, label in ((0.002, "too small"), (0.3, "good"), (1.3, "too large")):
        model = gn.Sequential([Dense(1, input_dim=3)], seed=0)
        model.compile(optimizer=SGD(lr=lr), loss="mse")
        loss = model.fit(X, y, epochs=30, batch_size=None, verbose=0).history["loss"]
        print(f"   lr={lr:<6} {label:10s} {loss[0]:.3g}  {loss[9]:.3g}  {loss[-1]:.3g}")


def cross_validation() -> None:
    from sklearn.datasets import load_iris

    iris = load_iris()
    iris.data = StandardScaler().fit_transform(iris.data)

    def build() -> gn.Sequential:
        model = gn.Sequential([Dense(8, activation="tanh", input_dim=4),
                               Dense(3, activation="softmax")], seed=0)
        model.compile(optimizer=Adam(lr=0.05), loss="cross_entropy", metrics=["accuracy"])
        return model

    print(f"5. iris, 5-fold cross-validation: {gn.cross_validate(build, iris, cv=5, seed=0, epochs=40)}")


def main() -> None:
    preprocessing()
    overfitting()
    vanishing_gradients()
    learning_rates()
    cross_validation()


if __name__ == "__main__":
    main()
