"""Building a model creates each layer's weights from the shapes the layers declare; the
network itself does not run."""

import numpy as np
import pytest

import glassnet as gn
from glassnet.function import recording
from glassnet.layers import BatchNormalization, Conv2D, Dense, Flatten, Layer, MaxPool2D

pytestmark = pytest.mark.filterwarnings("ignore:model .* predicts with the random weights:UserWarning")


def test_a_sequential_build_runs_no_operation():
    model = gn.Sequential([Conv2D(4, 3, activation="relu"), BatchNormalization(), MaxPool2D(2), Flatten(),
                           Dense(10, activation="softmax")], seed=0)
    with recording() as calls:
        model.build((1, 12, 12))
    assert calls == []
    assert [tuple(layer.input_shape) for layer in model.layers] == [(1, 12, 12), (4, 10, 10), (4, 10, 10),
                                                                     (4, 5, 5), (100,)]
    assert model.predict(np.ones((2, 1, 12, 12), dtype=np.float32)).shape == (2, 10)


def test_a_functional_build_runs_no_operation():
    x = gn.Input((5,))
    h = Dense(4, activation="tanh")(x)
    model = gn.Model(x, Dense(2)(h + h), seed=0)
    with recording() as calls:
        model.build()
    assert calls == [] and model.built


class _FirstTwo(Layer):
    """Changes the shape without saying so in compute_output_shape."""

    def call(self, x):
        return x[:, :2]


def test_a_layer_that_hides_its_output_shape_is_named_with_the_fix():
    model = gn.Sequential([_FirstTwo(), Dense(3)], seed=0).build((6,))
    with pytest.raises(ValueError, match=r"_firsttwo.*compute_output_shape"):
        model.predict(np.ones((1, 6), dtype=np.float32))


class _FirstTwoDeclared(_FirstTwo):
    def compute_output_shape(self, input_shape):
        return (2,)


def test_a_layer_that_declares_its_output_shape_builds_the_next_one():
    model = gn.Sequential([_FirstTwoDeclared(), Dense(3)], seed=0).build((6,))
    assert model.layers[1].W.shape == (2, 3)
    assert model.predict(np.ones((1, 6), dtype=np.float32)).shape == (1, 3)
