"""Same seed, same bits: the weights and history of a few seeded trainings, fingerprinted.

Each case trains a small model with a fixed seed and hashes (SHA-256) its final weights,
its history and its predictions on the training inputs. The expected digests were
computed with the training code before the step was reorganized (the L2 penalty's logged
value is NumPy's sum since its compiled kernel was removed; the weights kept their bits); a
change in any bit of a weight or of a logged number fails here. The digests hold for this
machine's NumPy and BLAS build (the CI's): another BLAS may round matrix products
differently. The convolution's digest changed once on purpose: a weight gradient with few
entries is summed sample by sample (``glassnet.ops.conv.SMALL_PRODUCT``). The cases with a
softmax output were computed with the compiled softmax cross-entropy, which agrees with the
NumPy path to rounding only (:mod:`glassnet.accel`): without the extension they are skipped.
"""

from __future__ import annotations

import hashlib
import struct

import numpy as np
import pytest

import glassnet as gn
from glassnet import accel
from glassnet.layers import BatchNormalization, Conv2D, Dense, Dropout, Flatten, MaxPool2D


def _digest(model: gn.Model, history: dict[str, list[float]], predictions: list[np.ndarray]) -> str:
    h = hashlib.sha256()
    for array in [p.data for p in model.parameters()] + predictions:
        h.update(np.ascontiguousarray(array).tobytes())
    for key in sorted(history):
        h.update(key.encode())
        for value in history[key]:
            h.update(struct.pack("<d", float(value)))
    return h.hexdigest()


def _classifier():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(96, 6)).astype(np.float32)
    y = rng.integers(0, 3, 96)
    model = gn.Sequential([Dense(16, activation="relu", input_dim=6), Dense(8, activation="relu"),
                           Dense(3, activation="softmax")], seed=1)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model, X, y, {"batch_size": 16, "validation_split": 0.25}


def _regression_l2():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 4)).astype(np.float32)
    y = (X @ rng.normal(size=(4, 1))).astype(np.float32)
    l2 = gn.regularizers.L2(1e-2)
    model = gn.Sequential([Dense(12, activation="tanh", input_dim=4, kernel_regularizer=l2),
                           Dense(1, kernel_regularizer=gn.regularizers.L1L2(l1=1e-3, l2=1e-3))], seed=2)
    model.compile(optimizer=gn.optim.SGD(lr=0.05, momentum=0.9), loss="mse")
    return model, X, y, {"batch_size": 8}


def _conv_net():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(24, 1, 8, 8)).astype(np.float32)
    y = rng.integers(0, 2, 24)
    model = gn.Sequential([Conv2D(4, 3, activation="relu", padding=1), MaxPool2D(2), Flatten(),
                           Dense(2, activation="softmax")], seed=3)
    model.compile(optimizer="adam", loss="cross_entropy", metrics=["accuracy"])
    return model, X, y, {"batch_size": 8}


def _functional():
    rng = np.random.default_rng(3)
    Xa = rng.normal(size=(64, 5)).astype(np.float32)
    Xb = rng.normal(size=(64, 3)).astype(np.float32)
    y1 = rng.integers(0, 3, 64)
    y2 = rng.normal(size=(64, 1)).astype(np.float32)
    a, b = gn.Input((5,)), gn.Input((3,))
    h = gn.concatenate([Dense(6, activation="relu")(a), Dense(4, activation="elu")(b)], axis=-1)
    model = gn.Model([a, b], [Dense(3, activation="softmax")(h), Dense(1)(h)], seed=4)
    model.compile(optimizer="rmsprop", loss=["cross_entropy", "mse"])
    return model, [Xa, Xb], [y1, y2], {"batch_size": 16}


def _dropout_batchnorm():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(72, 7)).astype(np.float32)
    y = rng.integers(0, 2, 72)
    model = gn.Sequential([Dense(16, input_dim=7), BatchNormalization(), gn.layers.Activation("relu"),
                           Dropout(0.3), Dense(1, activation="sigmoid")], seed=5)
    model.compile(optimizer="adamw", loss="binary_cross_entropy", metrics=["accuracy"])
    return model, X, y, {"batch_size": 12, "validation_split": 0.2}


EXPECTED = {
    'classifier': '8b813a350748a66741a56d95a62b48ace5a70f45cbeed7444645e58603977f69',
    'conv_net': 'cd8915fd959f88095acd3c54086c4dea2807c96c62325cc09bd2496908809fe8',
    'dropout_batchnorm': '46ba24528c20ff40d3675a36aed779497757a5ab760eb2a633fab4fb035f63c5',
    'functional': '12b7b0a416840e4d9efe3081fe560aed919bd7b4e1432b88c3395638c1f808e0',
    'regression_l2': '2fcc07e348d3d71a5089ac6418d075701da237730f6a73c690c3c4a74c946f77',
}
CASES = {"classifier": _classifier, "regression_l2": _regression_l2, "conv_net": _conv_net,
         "functional": _functional, "dropout_batchnorm": _dropout_batchnorm}


def train_digest(name: str) -> str:
    model, X, y, fit_args = CASES[name]()
    history = model.fit(X, y, epochs=3, verbose=0, seed=7, **fit_args)
    predictions = model.predict(X)
    return _digest(model, history.history, predictions if isinstance(predictions, list) else [predictions])


SOFTMAX_CASES = {"classifier", "conv_net", "functional"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_seeded_training_gives_the_same_bits(name):
    if name in SOFTMAX_CASES and not accel.compiled_available():
        pytest.skip("computed with the compiled softmax cross-entropy, which NumPy matches to rounding")
    assert train_digest(name) == EXPECTED[name]
