"""Training never crashes on a data size that is not a multiple of the batch: every layer
trains on a last batch of one row."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.layers import (
    Activation,
    AvgPool2D,
    BatchNormalization,
    Conv1D,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    GlobalAvgPool2D,
    MaxPool1D,
    MaxPool2D,
    Reshape,
)

CASES = {
    "dense-batchnorm": ((4,), lambda: [Dense(5), BatchNormalization(), Activation("relu")]),
    "dense-dropout": ((4,), lambda: [Dense(5, activation="relu"), Dropout(0.5)]),
    "flatten-reshape": ((2, 3), lambda: [Flatten(), Reshape((3, 2)), Flatten()]),
    "conv2d-batchnorm-pools": ((1, 6, 6), lambda: [Conv2D(3, 3, padding="same"), BatchNormalization(),
                                                   MaxPool2D(2), AvgPool2D(1), GlobalAvgPool2D()]),
    "conv-to-one-pixel-batchnorm": ((2, 3, 3), lambda: [Conv2D(3, 3), BatchNormalization(), Flatten()]),
    "conv1d-batchnorm-pool": ((2, 8), lambda: [Conv1D(3, 3), BatchNormalization(), MaxPool1D(2), Flatten()]),
}


@pytest.mark.parametrize("shape, body", CASES.values(), ids=CASES.keys())
def test_fit_trains_on_a_last_batch_of_one_row(shape, body):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(41, *shape)).astype(np.float32)
    y = rng.integers(0, 2, 41)
    model = gn.Sequential([*body(), Flatten(), Dense(2, activation="softmax")], seed=0)
    model.compile(optimizer="adam", loss="cross_entropy", metrics=["accuracy"])
    history = model.fit(X, y, epochs=2, batch_size=8, verbose=0, seed=0)
    assert np.isfinite(history.history["loss"]).all()
    assert np.isfinite(model.predict(X)).all()
