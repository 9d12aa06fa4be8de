"""Keras's utilities under gn.utils: to_categorical, set_random_seed, plot_model."""

from __future__ import annotations

import random

import numpy as np
import pytest

import glassnet as gn
from glassnet import _random
from glassnet.layers import Dense, Dropout


@pytest.fixture
def program_seed():
    """set_random_seed seeds the whole process; put the unseeded state back afterwards."""
    yield
    _random._program["seeds"] = None


def test_to_categorical_one_hot_rows():
    labels = np.array([0, 2, 1, 2])
    expected = np.eye(3, dtype=np.float32)[labels]
    np.testing.assert_array_equal(gn.utils.to_categorical(labels), expected)
    np.testing.assert_array_equal(gn.utils.to_categorical(labels.reshape(-1, 1)), expected)
    np.testing.assert_array_equal(gn.utils.to_categorical([0.0, 2.0, 1.0, 2.0], num_classes=3), expected)
    assert gn.utils.to_categorical(labels, num_classes=5).shape == (4, 5)


def test_to_categorical_trains_with_categorical_crossentropy():
    X = np.random.default_rng(0).normal(size=(30, 3)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    model = gn.Sequential([Dense(2, activation="softmax", input_dim=3)], seed=0)
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    one_hot = model.fit(X, gn.utils.to_categorical(y), epochs=3, batch_size=30, verbose=0).history["loss"]
    sparse = gn.Sequential([Dense(2, activation="softmax", input_dim=3)], seed=0)
    sparse.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    labels = sparse.fit(X, y, epochs=3, batch_size=30, verbose=0).history["loss"]
    np.testing.assert_allclose(one_hot, labels, rtol=1e-6)
    assert one_hot[-1] < one_hot[0]


@pytest.mark.parametrize("labels, num_classes, message", [
    ([0, 3], 3, r"label 3 does not fit num_classes=3"),
    ([-1, 0], None, r"labels must be >= 0, got -1"),
    ([0.5, 1.0], None, r"whole-number class labels"),
    (["a", "b"], None, r"whole-number class labels.*LabelEncoder"),
    ([0, 1], 0, r"num_classes must be a positive integer, got 0"),
])
def test_to_categorical_refuses_labels_it_cannot_encode(labels, num_classes, message):
    with pytest.raises(ValueError, match=message):
        gn.utils.to_categorical(labels, num_classes=num_classes)


def _program():
    """What a script that sets no seed of its own draws: Python, NumPy, weights, a fit."""
    X = np.random.rand(20, 3).astype(np.float32)
    model = gn.Sequential([Dense(4, activation="relu"), Dropout(0.3), Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(X, X[:, :1], epochs=2, batch_size=5, verbose=0)
    return random.random(), X, model.get_weights()


def test_set_random_seed_makes_a_program_repeat(program_seed):
    gn.utils.set_random_seed(42)
    first = _program()
    gn.utils.set_random_seed(42)
    second = _program()
    assert first[0] == second[0]
    np.testing.assert_array_equal(first[1], second[1])
    for a, b in zip(first[2], second[2]):
        np.testing.assert_array_equal(a, b)
    gn.utils.set_random_seed(43)
    assert not np.array_equal(_program()[2][0], first[2][0])


def test_a_given_seed_still_wins_over_set_random_seed(program_seed):
    gn.utils.set_random_seed(1)
    a = gn.Sequential([Dense(3, input_dim=2)], seed=7).get_weights()
    gn.utils.set_random_seed(2)
    b = gn.Sequential([Dense(3, input_dim=2)], seed=7).get_weights()
    np.testing.assert_array_equal(a[0], b[0])


@pytest.mark.parametrize("seed", [-1, 2**32, 1.5, True])
def test_set_random_seed_refuses_what_is_not_a_seed(seed):
    with pytest.raises(ValueError, match="seed must be an integer in"):
        gn.utils.set_random_seed(seed)


def _boxes_and_arrows(fig):
    """The texts of the boxes and the number of arrows (annotations without text)."""
    texts = [t.get_text() for t in fig.axes[0].texts]
    return [t for t in texts if t], texts.count("")


def _png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_plot_model_of_a_sequential_model(tmp_path):
    model = gn.Sequential([gn.Input(shape=(4,)), Dense(8, activation="relu"), Dense(2, activation="softmax")])
    fig = gn.utils.plot_model(model, to_file=tmp_path / "model.png", show_shapes=True,
                              show_layer_activations=True)
    boxes, arrows = _boxes_and_arrows(fig)
    assert arrows == 2
    assert boxes == ["input (Input)\noutput: (None, 4)",
                     "dense (Dense)\nactivation: relu\noutput: (None, 8)",
                     "dense_1 (Dense)\nactivation: softmax\noutput: (None, 2)"]
    width, height = _png_size(tmp_path / "model.png")
    assert height > width  # top to bottom


def test_plot_model_of_a_functional_model_left_to_right(tmp_path):
    x = gn.Input(shape=(4,))
    a, b = Dense(3, name="left")(x), Dense(3, name="right")(x)
    model = gn.Model(x, Dense(1, name="head")(gn.concatenate([a, b], axis=-1)))
    fig = gn.utils.plot_model(model, to_file=tmp_path / "graph.png", rankdir="LR", show_layer_names=False)
    boxes, arrows = _boxes_and_arrows(fig)
    assert boxes == ["input_0 (Input)", "Dense", "Dense", "concatenate", "Dense"]
    assert arrows == 5
    width, height = _png_size(tmp_path / "graph.png")
    assert width > height


def test_plot_model_refuses_a_subclassed_model():
    class Net(gn.Model):
        def __init__(self):
            super().__init__()
            self.dense = Dense(1)

        def call(self, inputs):
            return self.dense(inputs)

    with pytest.raises(ValueError, match=r"computes in its own call\(\) code.*model.summary\(\)"):
        gn.utils.plot_model(Net(), to_file=None)
    with pytest.raises(ValueError, match="rankdir must be 'TB'"):
        gn.utils.plot_model(gn.Sequential([Dense(1, input_dim=1)]), to_file=None, rankdir="BT")
