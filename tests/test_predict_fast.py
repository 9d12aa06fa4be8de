"""Prediction replayed from a recorded pass: the same outputs as the graph, for every layer
type and dtype, and the same input checks."""

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
from glassnet.tensor import Tensor, no_grad
from glassnet.training.forward import outputs
from glassnet.training.replay import static_model

# These tests compare predict with the graph on the weights a model was built with, on purpose.
pytestmark = pytest.mark.filterwarnings("ignore:model .* predicts with the random weights:UserWarning")

DTYPES = [np.float32, np.float64]


def _graph_outputs(model, xs, logits=False):
    """The outputs of the graph path in evaluation mode (what predict computed before)."""
    was = model.training
    model.eval()
    with no_grad():
        ts = [Tensor(x) for x in xs]
        out = model.logits(*ts) if logits else model(*ts)
    model.train(was)
    return [o.data for o in (out if isinstance(out, list) else [out])]


def _set_running_stats(model, rng):
    for layer in model.layers:
        if isinstance(layer, BatchNormalization):
            c = layer.running_mean.shape[0]
            layer.running_mean[...] = rng.normal(size=c)
            layer.running_var[...] = rng.uniform(0.5, 2.0, size=c)
            layer.gamma.data[...] = rng.normal(size=c)
            layer.beta.data[...] = rng.normal(size=c)


def _dense_layers():
    return [Dense(7, activation="relu", input_dim=5), Dense(6, activation="tanh"),
            Dense(4, activation="sigmoid", use_bias=False), Dense(3, activation="softmax")]


def _all_core_layers():
    return [Dense(8, input_dim=5), BatchNormalization(), Activation("relu"), Dropout(0.5),
            Dense(8, activation="elu"), Reshape((2, 4)), Flatten(), Activation("softmax"),
            Dense(6, activation="gelu"), Activation("tanh"), Dense(2, activation="linear")]


def _conv2d_layers():
    return [Reshape((1, 6, 5)), Conv2D(3, 3, padding="same", activation="relu"), BatchNormalization(),
            MaxPool2D(2), Conv2D(4, 2, activation="tanh"), AvgPool2D(1), GlobalAvgPool2D(),
            Dense(3, activation="softmax")]


def _conv1d_layers():
    return [Reshape((1, 30)), Conv1D(3, 3, padding="same", activation="relu"), MaxPool1D(2),
            Dropout(0.3), Flatten(), Dense(2, activation="sigmoid")]


STACKS = {"dense": (_dense_layers, 5), "core": (_all_core_layers, 5), "conv2d": (_conv2d_layers, 30),
          "conv1d": (_conv1d_layers, 30)}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("stack", sorted(STACKS))
def test_predict_equals_graph_forward(stack, dtype):
    make, features = STACKS[stack]
    rng = np.random.default_rng(3)
    model = gn.Sequential(make(), seed=0, dtype=dtype)
    model.build((features,))
    _set_running_stats(model, rng)
    X = rng.normal(size=(9, features)).astype(dtype)
    got = model.predict(X)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, _graph_outputs(model, [X])[0])
    np.testing.assert_array_equal(model.predict(X[:1]), _graph_outputs(model, [X[:1]])[0])


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_stack_is_recorded_once_and_replayed(dtype):
    for make, features in STACKS.values():
        model = gn.Sequential(make(), seed=1, dtype=dtype)
        model.build((features,))
        assert static_model(model, training=False)
        X = np.random.default_rng(0).normal(size=(4, features)).astype(dtype)
        first = outputs(model, [X], ())
        tapes = vars(model)["_forward_tapes"][1]
        assert list(tapes) == [((4, features), np.dtype(dtype))]
        again = outputs(model, [X * 2], ())
        assert len(tapes) == 1
        np.testing.assert_array_equal(first[0], _graph_outputs(model, [X])[0])
        np.testing.assert_array_equal(again[0], _graph_outputs(model, [X * 2])[0])


@pytest.mark.parametrize("dtype", DTYPES)
def test_logits_path_equals_graph(dtype):
    model = gn.Sequential(_dense_layers(), seed=2, dtype=dtype)
    X = np.random.default_rng(1).normal(size=(6, 5)).astype(dtype)
    outputs(model, [X], [True])
    fast = outputs(model, [X], [True])
    np.testing.assert_array_equal(fast[0], _graph_outputs(model, [X], logits=True)[0])
    model.compile(loss="cross_entropy", metrics=["accuracy"])
    y = np.array([0, 1, 2, 0, 1, 2])
    loss, accuracy = model.evaluate(X, y, verbose=0)
    expected = gn.losses.CrossEntropy(from_logits=True)(Tensor(fast[0]), y).item()
    assert loss == pytest.approx(expected, rel=1e-6)
    assert accuracy == pytest.approx(float(np.mean(model.predict(X).argmax(1) == y)))


def test_activation_last_layer_logits_are_its_input():
    model = gn.Sequential([Dense(3, input_dim=4), Activation("softmax")], seed=0)
    X = np.random.default_rng(2).normal(size=(5, 4)).astype(np.float32)
    np.testing.assert_array_equal(outputs(model, [X], [True])[0],
                                  _graph_outputs(model, [X], logits=True)[0])


def test_predict_leaves_the_input_and_the_mode_alone():
    layers = [Dropout(0.5), Activation("relu"), Flatten(), Dense(3, activation="relu", input_dim=4)]
    model = gn.Sequential(layers, seed=0)
    model.build((4,))
    X = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
    before = X.copy()
    model.train()
    out = model.predict(X)
    np.testing.assert_array_equal(X, before)
    assert model.training and all(layer.training for layer in model.layers)
    np.testing.assert_array_equal(out, np.maximum(np.maximum(X, 0) @ model.layers[-1].W.data
                                                  + model.layers[-1].b.data, 0))
    conv = gn.Sequential(_conv2d_layers(), seed=0)
    conv.build((30,))
    conv.predict(np.ones((2, 30), dtype=np.float32))
    assert conv.training and all(layer.training for layer in conv.layers)


def test_batch_size_chunks_equal_the_whole_batch():
    model = gn.Sequential(_all_core_layers(), seed=4)
    X = np.random.default_rng(5).normal(size=(11, 5)).astype(np.float32)
    np.testing.assert_array_equal(model.predict(X, batch_size=4), model.predict(X))


def test_a_model_without_an_input_shape_refuses_to_predict_until_built():
    model = gn.Sequential([Dense(4, activation="relu"), Dense(2, activation="softmax")], seed=0)
    X = np.random.default_rng(0).normal(size=(3, 6)).astype(np.float32)
    with pytest.raises(ValueError, match=r"has not been built.*fit.*build.*gn\.load"):
        model.predict(X)
    assert not model.built
    model.build(6)
    out = model.predict(X)
    assert out.shape == (3, 2)
    np.testing.assert_array_equal(out, _graph_outputs(model, [X])[0])


class _Doubled(Dense):
    """A subclass that changes call(): it does not inherit Dense's promise of a static graph."""

    def call(self, x):
        return super().call(x) * 2.0


class _TrainingFlag(gn.layers.Layer):
    """A user layer that behaves differently in training."""

    def call(self, x):
        return x * 3.0 if self.training else x + 1.0


def test_user_layers_predict_through_their_call():
    model = gn.Sequential([_Doubled(3, input_dim=2), _TrainingFlag(), Dense(2)], seed=0)
    assert not static_model(model, training=False)
    X = np.random.default_rng(0).normal(size=(4, 2)).astype(np.float32)
    first, last = model.layers[0], model.layers[2]
    expected = ((X @ first.W.data + first.b.data) * 2.0 + 1.0) @ last.W.data + last.b.data
    np.testing.assert_allclose(model.predict(X), expected, rtol=1e-6)
    assert model.training


def test_custom_activation_function():
    def cube(z):
        return z * z * z

    model = gn.Sequential([Dense(3, activation=cube, input_dim=2)], seed=0)
    X = np.random.default_rng(0).normal(size=(4, 2)).astype(np.float32)
    np.testing.assert_array_equal(model.predict(X), _graph_outputs(model, [X])[0])


def test_functional_multi_input_multi_output():
    a, b = gn.Input((3,)), gn.Input((2,))
    ha = Dense(4, activation="relu")(a)
    hb = BatchNormalization()(Dense(4, activation="tanh")(b))
    merged = gn.concatenate([ha, hb + ha], axis=-1)
    out1 = Dense(2, activation="softmax")(Dropout(0.5)(merged))
    out2 = Dense(1)(merged)
    model = gn.Model([a, b], [out1, out2], seed=0)
    rng = np.random.default_rng(0)
    xa, xb = rng.normal(size=(5, 3)).astype(np.float32), rng.normal(size=(5, 2)).astype(np.float32)
    got = model.predict([xa, xb])
    for g, e in zip(got, _graph_outputs(model, [xa, xb])):
        np.testing.assert_array_equal(g, e)


def _mlp():
    return gn.Sequential(_dense_layers(), seed=0)


@pytest.mark.parametrize("X, message", [
    (np.array([[0.0, 1, 2, 3, 4], [0, 1, np.nan, 3, 4]]),
     r"1 NaN or inf value\(s\) at rows \[1\], columns \[2\]"),
    (np.array([[np.inf, 1, 2, 3, 4], [0, 1, 2, 3, -np.inf]]), r"2 NaN or inf value\(s\) at rows \[0, 1\]"),
    (np.ones((0, 5)), "empty"),
    (np.ones((3, 4)), "expects inputs of shape"),
    (np.ones(5), "1-D"),
])
def test_bad_input_still_errors(X, message):
    with pytest.raises(ValueError, match=message):
        _mlp().predict(X)


@pytest.mark.parametrize("shape", [(5, 4), (64, 600)])
def test_non_finite_values_are_found_in_small_and_large_arrays(shape):
    """Small arrays are tested value by value, large C-ordered ones by row sums."""
    model = gn.Sequential([Dense(2, input_dim=shape[1])], seed=0)
    for bad in (np.nan, np.inf, -np.inf):
        X = np.ones(shape, dtype=np.float32, order="F")
        X[3, 1] = bad
        with pytest.raises(ValueError, match=r"1 NaN or inf value\(s\) at rows \[3\], columns \[1\]"):
            model.predict(X)
        with pytest.raises(ValueError, match=r"rows \[3\], columns \[1\]"):
            model.predict(np.ascontiguousarray(X))


@pytest.mark.parametrize("shape", [(2, 4), (64, 600)])
def test_huge_finite_values_are_accepted(shape):
    """Row sums overflow to inf here; the detailed check then finds every value finite, and
    the overflow of the outputs is reported in glassnet's words."""
    model = gn.Sequential([Dense(2, input_dim=shape[1], activation="relu")], seed=0)
    X = np.full(shape, 3e38, dtype=np.float32)
    with pytest.warns(RuntimeWarning, match="overflowed the model's float type"):
        out = model.predict(X)
    assert out.shape == (shape[0], 2)


def test_non_finite_values_are_found_in_large_images():
    model = gn.Sequential([Flatten(), Dense(2)], seed=0).build((1, 32, 32))
    X = np.zeros((40, 1, 32, 32), dtype=np.float32)
    model.predict(X)
    X[7, 0, 5, 9] = np.nan
    with pytest.raises(ValueError, match=r"1 NaN or inf value\(s\) at rows \[7\]"):
        model.predict(X)
