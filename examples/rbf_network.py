"""An RBF network against an MLP on a 1-D and a 2-D regression problem.

An RBF network is one hidden layer of radial units a_j = phi(||x - c_j|| / sigma_j) (each
answers near its centre c_j) followed by a linear output layer. Its centres start at the
k-means cluster centres of the training inputs (``layer.adapt(X)``); then centres, widths
and output weights are all trained by backpropagation with Adam, as the MLP's weights are.

1. 1-D: y = sin(2x) + x / 2 + noise on [-3, 3].
2. 2-D: y = exp(-(x1^2 + x2^2)) - exp(-((x1 - 1.5)^2 + (x2 - 1.5)^2)) / 2 + noise (two bumps).

Both models have the same number of weights; the test mean squared errors are printed
(the noise variance, 0.01, is the floor).

Run:  python examples/rbf_network.py [--epochs 200] [--seed 0]
"""

from __future__ import annotations

import argparse

import numpy as np

import glassnet as gn

L = gn.layers


def problems(seed: int = 0) -> dict[str, tuple[np.ndarray, ...]]:
    """(X_train, y_train, X_test, y_test) for the 1-D and the 2-D problem."""
    rng = np.random.default_rng(seed)

    def split(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, ...]:
        y = y + 0.1 * rng.normal(size=len(y))
        n = int(0.75 * len(X))
        return X[:n], y[:n], X[n:], y[n:]

    x = rng.uniform(-3, 3, size=(240, 1))
    X2 = rng.uniform(-2, 3, size=(600, 2))
    bumps = np.exp(-(X2 ** 2).sum(1)) - 0.5 * np.exp(-((X2 - 1.5) ** 2).sum(1))
    return {"1-D": split(x, np.sin(2 * x[:, 0]) + x[:, 0] / 2), "2-D": split(X2, bumps)}


def rbf_network(X_train: np.ndarray, units: int, kernel: str = "gaussian", seed: int = 0) -> gn.Sequential:
    """RBF(units) with centres from k-means on X_train, then a linear output."""
    model = gn.Sequential([gn.Input(shape=(X_train.shape[1],)), L.RBF(units, kernel=kernel, seed=seed),
                           L.Dense(1)], seed=seed)
    model.layers[0].adapt(X_train)
    return model


def mlp(n_features: int, units: int, seed: int = 0) -> gn.Sequential:
    """One tanh hidden layer of ``units``, then a linear output."""
    return gn.Sequential([gn.Input(shape=(n_features,)), L.Dense(units, activation="tanh"), L.Dense(1)],
                         seed=seed)


def held_out_mse(model: gn.Sequential, data: tuple[np.ndarray, ...], epochs: int, seed: int) -> float:
    """Train with Adam on the training part; the mean squared error on the test part."""
    X_train, y_train, X_test, y_test = data
    model.compile(optimizer=gn.optim.Adam(learning_rate=0.02), loss="mse")
    model.fit(X_train, y_train, epochs=epochs, batch_size=32, verbose=0, seed=seed)
    return float(np.mean((model.predict(X_test)[:, 0] - y_test) ** 2))


def compare(epochs: int = 200, seed: int = 0) -> dict[str, dict[str, float]]:
    """The test MSE of each model on each problem."""
    results = {}
    for name, data in problems(seed).items():
        d = data[0].shape[1]
        units = 12 if d == 1 else 20
        # the same number of weights, units (d + 2) + 1: centres, widths and output weights for the
        # RBF network; hidden weights, biases and output weights for the MLP
        results[name] = {
            f"RBF gaussian ({units})": held_out_mse(
                rbf_network(data[0], units, seed=seed), data, epochs, seed),
            f"RBF inverse multiquadric ({units})": held_out_mse(
                rbf_network(data[0], units, "inverse_multiquadric", seed), data, epochs, seed),
            f"MLP tanh ({units})": held_out_mse(mlp(d, units, seed), data, epochs, seed),
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for problem, scores in compare(args.epochs, args.seed).items():
        print(f"{problem} problem, test MSE (noise floor 0.01):")
        for model, mse in scores.items():
            print(f"  {model:<32} {mse:.4f}")


if __name__ == "__main__":
    main()
