"""Keras's habits when building a model: input shapes given up front, Keras's layer names
and arguments, layer names, and finding or removing layers."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import layers
from glassnet.layers import (
    AveragePooling2D,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    GlobalAveragePooling2D,
    MaxPooling2D,
)

RNG = np.random.default_rng(0)
pytestmark = pytest.mark.filterwarnings("ignore:.*predicts with the random weights:UserWarning")


def test_dense_input_shape_creates_the_weights_at_once():
    model = gn.Sequential([Dense(64, activation="relu", input_shape=(784,)), Dense(10, activation="softmax")])
    assert model.built
    assert model.layers[0].W.shape == (784, 64)
    assert model.count_params() == 784 * 64 + 64 + 64 * 10 + 10


def test_dense_input_shape_is_input_dim():
    a = gn.Sequential([Dense(3, input_shape=(4,)), Dense(1)], seed=0)
    b = gn.Sequential([Dense(3, input_dim=4), Dense(1)], seed=0)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    assert a.layers[0].get_config() == b.layers[0].get_config()


@pytest.mark.parametrize("shape, message", [
    ((28, 28), r"input_shape=\(28, 28\) has 2 axes.*Flatten\(input_shape=\(28, 28\)\), then Dense"),
    ((0,), r"input_shape must be a tuple of positive sizes.*got \(0,\)"),
    ("784", r"input_shape must be a tuple of positive sizes.*got '784'"),
])
def test_dense_input_shape_that_does_not_fit_is_refused(shape, message):
    with pytest.raises(ValueError, match=message):
        Dense(8, input_shape=shape)


def test_dense_input_shape_and_input_dim_must_agree():
    with pytest.raises(ValueError, match=r"input_dim=3 and input_shape=\(4,\) disagree"):
        Dense(8, input_dim=3, input_shape=(4,))


def test_flatten_input_shape_as_in_the_keras_quickstart():
    model = gn.Sequential([
        Flatten(input_shape=(28, 28)),
        Dense(128, activation="relu"),
        Dropout(0.2),
        Dense(10),
    ])
    assert model.built
    assert model.layers[1].W.shape == (784, 128)
    assert model.predict(RNG.normal(size=(2, 28, 28))).shape == (2, 10)


@pytest.mark.parametrize("first", [
    lambda: Dropout(0.2, input_shape=(4, 3)),
    lambda: layers.Activation("relu", input_shape=(4, 3)),
    lambda: layers.Reshape((12,), input_shape=(4, 3)),
    lambda: layers.BatchNormalization(input_shape=(4, 3)),
], ids=["Dropout", "Activation", "Reshape", "BatchNormalization"])
def test_layers_without_weights_of_their_own_take_input_shape_first(first):
    model = gn.Sequential([first(), Flatten(), Dense(2)], seed=0)
    assert model.built and model.layers[-1].W.shape == (12, 2)
    rebuilt = gn.models.model_from_json(model.to_json())
    assert rebuilt.built and rebuilt.layers[0].get_config() == model.layers[0].get_config()


def test_input_as_first_entry_of_sequential():
    model = gn.Sequential([gn.Input(shape=(4,)), Dense(8, activation="relu"), Dense(2)], seed=0)
    reference = gn.Sequential([Dense(8, activation="relu", input_dim=4), Dense(2)], seed=0)
    assert model.built
    assert [type(layer) for layer in model.layers] == [Dense, Dense]
    for wa, wb in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(wa, wb)


def test_input_added_first_with_add():
    model = gn.Sequential()
    model.add(gn.Input(shape=(16,)))
    model.add(Dense(4))
    model.build()
    assert model.layers[0].W.shape == (16, 4)


def test_input_for_an_image_stack():
    model = gn.Sequential([gn.Input(shape=(1, 8, 8)), Conv2D(4, 3, padding="same"), Flatten(), Dense(3)])
    assert model.built
    assert model.output_shapes() == [(3,)]


def test_input_after_a_layer_is_refused():
    with pytest.raises(ValueError, match=r"gn.Input\(shape=...\) can only be the first entry"):
        gn.Sequential([Dense(4), gn.Input(shape=(4,))])
    model = gn.Sequential([Dense(4)])
    with pytest.raises(ValueError, match="can only be the first entry"):
        model.add(gn.Input(shape=(4,)))


def test_build_takes_keras_shape_with_the_batch_axis():
    model = gn.Sequential([Dense(8), Dense(1)])
    model.build((None, 5))
    assert model.layers[0].W.shape == (5, 8)


def test_conv2d_filters_kernel_size_strides():
    layer = Conv2D(32, (3, 3), strides=(2, 2), padding="same", activation="relu")
    assert layer(np.zeros((1, 3, 16, 16), dtype=np.float32)).shape == (1, 32, 8, 8)
    assert Conv2D(8, 3, strides=2)(np.zeros((1, 1, 9, 9), dtype=np.float32)).shape == (1, 8, 4, 4)


def test_keras_pooling_names_are_the_glassnet_layers():
    assert MaxPooling2D is layers.MaxPool2D
    assert AveragePooling2D is layers.AvgPool2D
    assert GlobalAveragePooling2D is layers.GlobalAvgPool2D
    assert layers.MaxPooling1D is layers.MaxPool1D
    model = gn.Sequential([
        gn.Input(shape=(2, 8, 8)),
        Conv2D(4, 3, padding="same", activation="relu"),
        MaxPooling2D(pool_size=(2, 2)),
        AveragePooling2D(2),
        GlobalAveragePooling2D(),
        Dense(3, activation="softmax"),
    ])
    assert model.predict(RNG.normal(size=(5, 2, 8, 8))).shape == (5, 3)


def test_kernel_regularizer_l2_adds_lambda_times_the_sum_of_squares():
    model = gn.Sequential([Dense(3, input_shape=(4,), kernel_regularizer=gn.regularizers.l2(1e-4)), Dense(1)])
    W = model.layers[0].W.data.astype(np.float64)
    assert model.regularization_loss().item() == pytest.approx(1e-4 * np.sum(W ** 2), rel=1e-6)


def _example_layers():
    """One instance of every layer class of gn.layers, by the arguments it needs."""
    needs = {"Dense": (3,), "Activation": ("relu",), "Dropout": (0.5,), "Reshape": ((2, 2),),
             "Conv2D": (2, 3), "Conv1D": (2, 3), "Conv2DTranspose": (2, 3),
             "GaussianHead": (1,), "SimpleRNN": (2,), "LSTM": (2,),
             "GRU": (2,), "Bidirectional": (layers.LSTM(2),), "RBF": (2,)}
    bases = {layers.Module, layers.Parameter, layers.Layer}
    classes = {getattr(layers, name) for name in layers.__all__} - bases
    return [(cls, needs.get(cls.__name__, ())) for cls in sorted(classes, key=lambda c: c.__name__)]


@pytest.mark.parametrize("cls, args", _example_layers(), ids=lambda v: getattr(v, "__name__", ""))
def test_every_layer_takes_name(cls, args):
    layer = cls(*args, name="mine")
    assert layer.name == "mine"
    assert layer.get_config()["name"] == "mine"


def test_get_layer_by_name_and_by_index():
    hidden = Dense(8, activation="relu", name="hidden")
    out = Dense(2, activation="softmax", name="out")
    model = gn.Sequential([gn.Input(shape=(4,)), hidden, out])
    assert model.get_layer("hidden") is hidden
    assert model.get_layer(index=1) is out
    assert model.get_layer(index=-1) is out
    assert model.layers == [hidden, out]


def test_get_layer_of_a_functional_model():
    x = gn.Input(shape=(4,))
    h = Dense(8, name="encoder")(x)
    model = gn.Model(x, Dense(1, name="head")(h))
    assert model.get_layer("encoder").units == 8


def test_get_layer_without_such_layer_lists_the_layers():
    model = gn.Sequential([Dense(8, name="hidden", input_dim=4), Dense(2, name="out")])
    with pytest.raises(ValueError, match=r"no layer named 'nope'; its layers are \['hidden', 'out'\]"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match=r"index=2 is not the position of a layer.*2 layer\(s\), at 0..1"):
        model.get_layer(index=2)
    with pytest.raises(ValueError, match="a layer name or an index, not neither"):
        model.get_layer()
    with pytest.raises(ValueError, match="not both"):
        model.get_layer("out", index=1)


def test_pop_removes_the_last_layer_and_returns_it():
    model = gn.Sequential([gn.Input(shape=(4,)), Dense(8, activation="relu"), Dense(2, activation="softmax")])
    last = model.layers[-1]
    assert model.pop() is last
    assert len(model.layers) == 1
    features = model.predict(RNG.normal(size=(3, 4)))
    assert features.shape == (3, 8) and (features >= 0).all()
    model.add(Dense(1))
    assert model.predict(RNG.normal(size=(3, 4))).shape == (3, 1)


def test_pop_of_an_empty_model_is_refused():
    with pytest.raises(ValueError, match="has no layers to remove"):
        gn.Sequential().pop()


def test_convolution_and_pooling_take_keras_input_shape_first_in_a_model():
    model = gn.Sequential([gn.layers.Conv2D(4, 3, activation="relu", input_shape=(28, 28, 1),
                                            data_format="channels_last"),
                           gn.layers.MaxPooling2D(2), gn.layers.Flatten(), gn.layers.Dense(3)], seed=0)
    assert model.built and model.layers[0].W.shape == (4, 1, 3, 3)
    pool = gn.layers.MaxPooling2D(2, input_shape=(1, 8, 8))
    assert pool.get_config()["input_shape"] == [1, 8, 8]
    assert gn.Sequential([gn.layers.GlobalAveragePooling2D(input_shape=(2, 4, 4)), gn.layers.Dense(1)]).built


@pytest.mark.parametrize("keyword", ["bias_regularizer", "activity_regularizer"])
@pytest.mark.parametrize("make", [lambda **kw: gn.layers.Dense(3, **kw),
                                  lambda **kw: gn.layers.Conv2D(2, 3, **kw)])
def test_keras_penalties_glassnet_lacks_are_refused_with_kernel_regularizer_named(make, keyword):
    with pytest.raises(ValueError, match=rf"{keyword} is not supported.*kernel_regularizer"):
        make(**{keyword: gn.regularizers.l2(1e-4)})


@pytest.mark.parametrize("name", ["GlobalMaxPooling2D", "AveragePooling1D", "Embedding", "ReLU"])
def test_keras_layer_names_glassnet_lacks_say_what_it_has(name):
    with pytest.raises(AttributeError, match=rf"no {name} \(Keras's name\).*Dense"):
        getattr(gn.layers, name)
