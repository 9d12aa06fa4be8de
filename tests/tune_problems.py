"""Small problems for the search tests: a tiny classifier, and a fixed noisy 2-D objective."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator

import glassnet as gn


def blobs(n: int = 90, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two features, two classes separated by the line x0 + x1 = 0."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2)).astype("float32")
    return X, (X[:, 0] + X[:, 1] > 0).astype(int)


def build_mlp(params: dict, seed: int | None = None) -> gn.Sequential:
    """A one-hidden-layer classifier of ``units`` units trained by Adam at ``lr``."""
    model = gn.Sequential([gn.Input(shape=(2,)), gn.layers.Dense(params.get("units", 4), activation="relu"),
                           gn.layers.Dense(2, activation="softmax")], seed=seed)
    model.compile(optimizer=gn.optim.Adam(learning_rate=params.get("lr", 0.01)),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


class NoisyBowl(BaseEstimator):
    """A fixed noisy 2-D problem: the score of (a, b) is a bowl with its top at (0.3, -0.2),
    plus a rugged term (a fixed function of a and b, so the same point always scores the same).

    ``fit`` learns nothing: the search over (a, b) is the whole problem.
    """

    def __init__(self, a: float = 0.0, b: float = 0.0) -> None:
        self.a, self.b = a, b

    def fit(self, X: np.ndarray, y: np.ndarray) -> NoisyBowl:
        self.fitted_ = True
        return self

    def score(self, X: np.ndarray, y: np.ndarray) -> float:
        bowl = (self.a - 0.3) ** 2 + (self.b + 0.2) ** 2
        return float(-bowl + 0.02 * np.sin(40 * self.a) * np.cos(35 * self.b))
