"""A small convolutional network learns scikit-learn's handwritten digits (8 x 8 images).

Two convolution + max-pooling blocks find local strokes and make them tolerant to small
shifts; a dense head turns them into the ten class scores:

    (N, 1, 8, 8) -> Conv2D 32@3x3 "same", relu -> MaxPool 2 -> (N, 32, 4, 4)
                 -> Conv2D 64@3x3 "same", relu -> MaxPool 2 -> (N, 64, 2, 2)
                 -> Flatten -> Dense 128, relu -> Dense 10, softmax

Trained with Adam on 75% of the 1,797 images, it classifies the held-out 25% with about
99% accuracy in a few seconds on two CPU cores.

Run:  python examples/cnn_digits.py [--epochs 20] [--seed 0]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import glassnet as gn

L = gn.layers


def load_images(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The digits as (N, 1, 8, 8) images in [0, 1], split 75/25, stratified."""
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).reshape(-1, 1, 8, 8).astype(np.float32)
    return train_test_split(X, y, test_size=0.25, random_state=seed, stratify=y)


def build_model(seed: int = 0) -> gn.Sequential:
    """Two conv + pool blocks and a dense head, compiled with Adam and cross-entropy."""
    model = gn.Sequential([
        L.Conv2D(32, 3, padding="same", activation="relu"),
        L.MaxPool2D(2),
        L.Conv2D(64, 3, padding="same", activation="relu"),
        L.MaxPool2D(2),
        L.Flatten(),
        L.Dense(128, activation="relu"),
        L.Dense(10, activation="softmax"),
    ], seed=seed)
    model.compile(optimizer=gn.optim.Adam(lr=1e-3), loss="cross_entropy", metrics=["accuracy"])
    return model


def train(epochs: int = 20, seed: int = 0, verbose: int = 0) -> tuple[gn.Sequential, float, float]:
    """Fit on the training split; return the model, its test accuracy and the seconds taken."""
    X_train, X_test, y_train, y_test = load_images(seed)
    model = build_model(seed)
    start = time.perf_counter()
    model.fit(X_train, y_train, epochs=epochs, batch_size=32, seed=seed, verbose=verbose)
    seconds = time.perf_counter() - start
    return model, model.evaluate(X_test, y_test, verbose=0, return_dict=True)["accuracy"], seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    model, accuracy, seconds = train(args.epochs, args.seed, verbose=2)
    model.summary()
    print(f"test accuracy {accuracy:.4f} after {args.epochs} epochs ({seconds:.1f} s of training)")


if __name__ == "__main__":
    main()
