"""The short paths of a one-row prediction: Dense's array arithmetic, the input check of an
array already of the model's dtype, and the layer loop of ``forward_arrays``. Each gives the
same bits and the same errors as the general path it shortens."""

import types
import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet import _aligned
from glassnet.layers import Activation, BatchNormalization, Conv2D, Dense, Dropout, Flatten, Layer, Reshape
from glassnet.ops.linalg import Linear
from glassnet.tensor import Tensor, no_grad
from glassnet.training import prepare
from glassnet.training.inference import forward_arrays

# These tests compare predict with the graph on the weights a model was built with, on purpose.
pytestmark = pytest.mark.filterwarnings("ignore:model .* predicts with the random weights:UserWarning")

DTYPES = [np.float32, np.float64]


def _graph_outputs(model, x, logits=False):
    was = model.training
    model.eval()
    with no_grad():
        out = model.forward(Tensor(x), logits=logits)
    model.train(was)
    return out.data


def _mlp(dtype=np.float32, sizes=(784, 256, 128, 10)):
    layers = [Dense(n, activation="relu") for n in sizes[1:-1]] + [Dense(sizes[-1], activation="softmax")]
    layers[0].input_dim = sizes[0]
    return gn.Sequential(layers, seed=0, dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("use_bias", [True, False])
@pytest.mark.parametrize("shape", [(1, 6), (5, 6), (6,), (2, 3, 6), (4, 1)])
def test_dense_pre_activation_is_the_linear_forward(dtype, use_bias, shape):
    layer = Dense(3, use_bias=use_bias, input_dim=shape[-1])
    gn.Sequential([layer], seed=0, dtype=dtype)
    x = np.random.default_rng(0).normal(size=shape).astype(dtype)
    weights = (layer.W.data,) if layer.b is None else (layer.W.data, layer.b.data)
    expected = Linear.forward(types.SimpleNamespace(), x, *weights)
    got = layer.infer_pre_activation(x)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)


def test_dense_pre_activation_keeps_the_linear_error():
    layer = Dense(3, input_dim=4)
    gn.Sequential([layer], seed=0)
    with pytest.raises(ValueError, match=r"linear: input of shape \(2, 5\) has 5 features but W of shape"):
        layer.infer_pre_activation(np.ones((2, 5), dtype=np.float32))


@pytest.mark.parametrize("dtype", DTYPES)
def test_one_row_predictions_equal_the_graph(dtype):
    model = _mlp(dtype)
    X = np.random.default_rng(1).normal(size=(20, 784)).astype(dtype)
    for row in X:
        one = row[None, :]
        got = model.predict(one)
        assert got.dtype == dtype and got.shape == (1, 10)
        np.testing.assert_array_equal(got, _graph_outputs(model, one))
    np.testing.assert_array_equal(model.predict(X), _graph_outputs(model, X))


def test_one_row_logits_equal_the_graph():
    model = _mlp(sizes=(12, 8, 4))
    x = np.random.default_rng(2).normal(size=(1, 12)).astype(np.float32)
    np.testing.assert_array_equal(forward_arrays(model, [x], True)[0], _graph_outputs(model, x, logits=True))
    np.testing.assert_array_equal(forward_arrays(model, [x], [False])[0], _graph_outputs(model, x))


class _TrainingFlag(Layer):
    """A layer without infer() whose output depends on the mode."""

    def call(self, x):
        return x * 3.0 if self.training else x + 1.0


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_graph_layer_after_native_ones_runs_in_evaluation_mode(dtype):
    layers = [Dense(4, activation="tanh", input_dim=3), Dropout(0.5), _TrainingFlag(), BatchNormalization(),
              Activation("relu"), Dense(2, activation="softmax")]
    model = gn.Sequential(layers, seed=0, dtype=dtype)
    X = np.random.default_rng(3).normal(size=(5, 3)).astype(dtype)
    model.train()
    got = model.predict(X)
    assert model.training and all(layer.training for layer in model.layers)
    np.testing.assert_array_equal(got, _graph_outputs(model, X))
    first = model.layers[0]
    hidden = np.tanh(X @ first.W.data + first.b.data) + 1.0
    assert not np.allclose(hidden, np.tanh(X @ first.W.data + first.b.data) * 3.0)
    np.testing.assert_array_equal(forward_arrays(model, [X], True)[0], _graph_outputs(model, X, logits=True))


def test_a_layer_added_after_build_is_built_by_the_graph():
    model = gn.Sequential([Dense(4, activation="relu", input_dim=3)], seed=0)
    model.add(Dense(2))
    assert not model.built
    X = np.ones((1, 3), dtype=np.float32)
    assert forward_arrays(model, [X], False) is None
    assert model.predict(X).shape == (1, 2)
    assert model.built
    np.testing.assert_array_equal(model.predict(X), _graph_outputs(model, X))


def test_built_property():
    assert not gn.Sequential([]).built
    assert not gn.Sequential([Dense(2)]).built
    assert gn.Sequential([Dense(2, input_dim=3), Dense(1)]).built


def test_an_array_of_the_model_dtype_is_taken_as_is():
    model = _mlp(sizes=(5, 3, 2))
    X = np.random.default_rng(4).normal(size=(1, 5)).astype(np.float32)
    assert prepare.inputs(model, X, model.dtype)[0] is X
    converted = prepare.inputs(model, X.astype(np.float64), model.dtype)[0]
    assert converted.dtype == np.float32
    np.testing.assert_array_equal(converted, X)
    listed = prepare.inputs(model, X.tolist(), model.dtype)[0]
    np.testing.assert_array_equal(listed, X)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("layout", ["row", "fortran", "strided"])
def test_one_bad_value_is_found_in_any_layout(dtype, bad, layout):
    model = _mlp(dtype, sizes=(6, 4, 2))
    base = np.ones((3, 12), dtype=dtype)
    base[1, 4] = bad
    layouts = {"row": base[1:2, ::2].copy(), "fortran": np.asfortranarray(base[:, ::2]),
               "strided": base[:, ::2]}
    X = layouts[layout]
    row = "0" if layout == "row" else "1"
    with pytest.raises(ValueError, match=rf"1 NaN or inf value\(s\) at rows \[{row}\], columns \[2\]"):
        model.predict(X)


def test_plus_and_minus_inf_in_one_row_give_the_usual_error_and_no_warning():
    model = _mlp(sizes=(5, 3, 2))
    X = np.array([[np.inf, 1, 2, 3, -np.inf]], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"2 NaN or inf value\(s\) at rows \[0\], columns \[0, 4\]"):
            prepare.inputs(model, X, model.dtype)


def test_huge_finite_values_pass_the_check_without_warning():
    model = _mlp(sizes=(4, 3, 2))
    X = np.full((1, 4), 3e38, dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert prepare.inputs(model, X, model.dtype)[0] is X


@pytest.mark.parametrize("X, message", [
    (np.ones((0, 5), dtype=np.float32), "empty"),
    (np.ones(5, dtype=np.float32), "1-D"),
    (np.ones((1, 4), dtype=np.float32), "expects inputs of shape"),
])
def test_bad_shapes_keep_their_messages(X, message):
    with pytest.raises(ValueError, match=message):
        _mlp(sizes=(5, 3, 2)).predict(X)


def test_a_model_of_two_inputs_still_asks_for_a_list():
    a, b = gn.Input((2,)), gn.Input((3,))
    model = gn.Model([a, b], Dense(1)(gn.concatenate([a, b], axis=-1)), seed=0)
    with pytest.raises(ValueError, match="the model takes 2 inputs"):
        model.predict(np.ones((1, 2), dtype=np.float32))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(784, 256), (3,), (4, 1, 3, 3), (1, 1)])
def test_cache_aligned_copy(dtype, shape):
    values = np.random.default_rng(5).normal(size=shape).astype(dtype)
    out = _aligned.copy(values)
    assert out.ctypes.data % 64 == 0
    assert out.dtype == dtype and out.shape == shape and out.flags.c_contiguous and out.flags.writeable
    np.testing.assert_array_equal(out, values)
    assert not np.shares_memory(out, values)


def test_kernel_layers_create_aligned_weights():
    def built():
        model = gn.Sequential([Reshape((1, 4, 4)), Conv2D(3, 3), Flatten(), Dense(5), Dense(2)], seed=0)
        return model.build((16,))

    weights = built().parameters()
    assert len(weights) == 6
    assert all(p.data.ctypes.data % 64 == 0 for p in weights)
    for p, q in zip(weights, built().parameters()):
        np.testing.assert_array_equal(p.data, q.data)


def test_a_compiled_model_s_first_weights_stay_on_a_cache_line():
    """The optimizer packs the parameters into one flat buffer, which starts on a cache line."""
    model = gn.Sequential([Dense(16, input_dim=8), Dense(2)], seed=0)
    before = [p.data.copy() for p in model.parameters()]
    model.compile("adam", "mse")
    model.fit(np.ones((4, 8), np.float32), np.zeros((4, 2), np.float32), epochs=1, verbose=0)
    W = model.layers[0].W.data
    assert W.ctypes.data % 64 == 0 and W.base is not None
    assert not np.array_equal(W, before[0])  # trained in the flat buffer
