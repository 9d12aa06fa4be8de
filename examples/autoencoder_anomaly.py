"""Anomaly detection with an autoencoder: flag what the network cannot reconstruct.

Normal readings of a (synthetic) machine lie near a 3-D curved surface inside a 20-D space
of sensors: x = tanh(z A) B + noise with z ~ N(0, I_3). A dense autoencoder

    x (20) -> Dense 16, tanh -> Dense 3 (the code) -> Dense 16, tanh -> Dense 20

is trained on normal readings only (``fit(X, X)``), so it learns to reconstruct points of
that surface. Its reconstruction error ||x - x_hat||^2 / 20 stays small there and grows off
it. The threshold is the 99th percentile of the errors on held-out *normal* validation
data (about 1% false alarms by construction, no anomaly needed to choose it); a labelled
test set, 10% of it faulty readings (two sensors drifted by 1.5 standard deviations, each
value alone within the normal range), measures the detector: ROC-AUC of the error as a
score, and the precision and recall at the threshold.

Run:  python examples/autoencoder_anomaly.py [--epochs 60] [--seed 0]
(the environment variable GLASSNET_EXAMPLE_EPOCHS overrides the default number of epochs).
"""

from __future__ import annotations

import argparse
import os

import numpy as np
from sklearn.metrics import roc_auc_score

import glassnet as gn

L = gn.layers
SENSORS, FACTORS = 20, 3


class Machine:
    """Normal readings near a curved 3-D surface in 20-D; anomalies off it, of the same scale."""

    def __init__(self, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.A = rng.normal(size=(FACTORS, 8))
        self.B = rng.normal(size=(8, SENSORS)) / np.sqrt(8)
        self.rng = rng

    def normal(self, n: int) -> np.ndarray:
        z = self.rng.normal(size=(n, FACTORS))
        return (np.tanh(z @ self.A) @ self.B + 0.05 * self.rng.normal(size=(n, SENSORS))).astype(np.float32)

    def anomalies(self, n: int) -> np.ndarray:
        """Faulty readings: normal ones with two sensors drifted by 1.5 of their standard
        deviations, up or down (each value alone stays within the normal range)."""
        X = self.normal(n)
        spread = self.normal(1000).std(axis=0)
        rows = np.arange(n)[:, None]
        sensors = np.array([self.rng.choice(SENSORS, 2, replace=False) for _ in range(n)])
        X[rows, sensors] += 1.5 * spread[sensors] * self.rng.choice([-1.0, 1.0], size=(n, 2))
        return X


def build(seed: int = 0) -> gn.Sequential:
    model = gn.Sequential([
        L.Dense(16, activation="tanh"), L.Dense(FACTORS), L.Dense(16, activation="tanh"), L.Dense(SENSORS),
    ], seed=seed)
    model.compile(optimizer=gn.optim.Adam(lr=3e-3), loss="mse")
    return model


def reconstruction_error(model: gn.Sequential, X: np.ndarray) -> np.ndarray:
    """Per sample: the mean squared difference between x and its reconstruction."""
    return np.mean((model.predict(X) - X) ** 2, axis=1)


def run(epochs: int = 60, seed: int = 0, verbose: int = 0) -> dict[str, float]:
    """Train on normal data, pick the threshold on normal validation data, score a labelled test set."""
    machine = Machine(seed)
    X_train, X_val = machine.normal(2000), machine.normal(500)
    X_test = np.concatenate([machine.normal(900), machine.anomalies(100)])
    y_test = np.r_[np.zeros(900, dtype=int), np.ones(100, dtype=int)]
    model = build(seed)
    model.fit(X_train, X_train, epochs=epochs, batch_size=64, seed=seed, verbose=verbose)
    threshold = float(np.quantile(reconstruction_error(model, X_val), 0.99))
    score = reconstruction_error(model, X_test)
    flagged = score > threshold
    true_positives = int(np.sum(flagged & (y_test == 1)))
    return {
        "threshold": threshold,
        "roc_auc": float(roc_auc_score(y_test, score)),
        "precision": true_positives / max(int(flagged.sum()), 1),
        "recall": true_positives / int(y_test.sum()),
        "false_alarm_rate": float(np.mean(flagged[y_test == 0])),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=int(os.environ.get("GLASSNET_EXAMPLE_EPOCHS", 60)))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    result = run(args.epochs, args.seed)
    print(f"threshold (99th percentile of validation errors) {result['threshold']:.4f}")
    print(f"ROC-AUC {result['roc_auc']:.3f}   precision {result['precision']:.3f}   "
          f"recall {result['recall']:.3f}   false alarms {result['false_alarm_rate']:.3f}")


if __name__ == "__main__":
    main()
