"""The short paths of a one-row prediction: the input check of an array already of the
model's dtype and the replay of a recorded pass. Each gives the same bits and the same
errors as the general path it shortens, and a recording never outlives what it recorded."""

import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet import _aligned
from glassnet.layers import Activation, BatchNormalization, Conv2D, Dense, Dropout, Flatten, Layer, Reshape
from glassnet.tensor import Tensor, no_grad
from glassnet.training import prepare
from glassnet.training.forward import outputs

# These tests compare predict with the graph on the weights a model was built with, on purpose.
pytestmark = pytest.mark.filterwarnings("ignore:model .* predicts with the random weights:UserWarning")

DTYPES = [np.float32, np.float64]


def _graph_outputs(model, x, logits=False):
    was = model.training
    model.eval()
    with no_grad():
        out = model.logits(Tensor(x)) if logits else model(Tensor(x))
    model.train(was)
    return out.data


def _mlp(dtype=np.float32, sizes=(784, 256, 128, 10)):
    layers = [Dense(n, activation="relu") for n in sizes[1:-1]] + [Dense(sizes[-1], activation="softmax")]
    layers[0].input_dim = sizes[0]
    return gn.Sequential(layers, seed=0, dtype=dtype)


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
    np.testing.assert_array_equal(outputs(model, [x], [True])[0], _graph_outputs(model, x, logits=True))
    np.testing.assert_array_equal(outputs(model, [x], [False])[0], _graph_outputs(model, x))


class _TrainingFlag(Layer):
    """A layer whose output depends on the mode."""

    def call(self, x):
        return x * 3.0 if self.training else x + 1.0


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_model_with_a_user_layer_runs_its_graph_in_evaluation_mode(dtype):
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
    np.testing.assert_array_equal(outputs(model, [X], [True])[0], _graph_outputs(model, X, logits=True))


def test_a_layer_added_after_build_is_built_by_the_graph():
    model = gn.Sequential([Dense(4, activation="relu", input_dim=3)], seed=0)
    model.add(Dense(2))
    assert not model.built
    X = np.ones((1, 3), dtype=np.float32)
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


def _reference_outputs(model, x):
    with gn.reference():
        return model.predict(x)


def test_a_replayed_prediction_reads_the_weights_as_they_are_now():
    model = _mlp(sizes=(6, 5, 3))
    model.compile(optimizer=gn.optim.SGD(lr=0.5), loss="cross_entropy")
    x = np.random.default_rng(0).normal(size=(4, 6)).astype(np.float32)
    before = model.predict(x)
    model.fit(x, np.array([0, 1, 2, 0]), epochs=3, verbose=0)
    after = model.predict(x)
    assert not np.array_equal(before, after)
    np.testing.assert_allclose(after, _reference_outputs(model, x), rtol=1e-6)


def test_replacing_a_weight_a_buffer_or_a_layer_records_again():
    model = gn.Sequential([Dense(4, input_dim=3), BatchNormalization(), Dense(2)], seed=0)
    x = np.random.default_rng(1).normal(size=(5, 3)).astype(np.float32)
    model.predict(x)
    dense, norm = model.layers[0], model.layers[1]
    dense.W = gn.Parameter(np.ones((3, 4), dtype=np.float32), name="W")
    np.testing.assert_array_equal(model.predict(x), _graph_outputs(model, x))
    norm.register_buffer("running_mean", np.full(4, 0.5, dtype=np.float32))
    np.testing.assert_array_equal(model.predict(x), _graph_outputs(model, x))
    model.add(Activation("tanh"))
    np.testing.assert_array_equal(model.predict(x), _graph_outputs(model, x))
    assert np.abs(model.predict(x)).max() < 1.0


def test_loading_weights_into_a_model_that_predicted_gives_the_new_outputs(tmp_path):
    trained = _mlp(sizes=(6, 5, 3))
    other = _mlp(sizes=(6, 5, 3))
    for p in other.parameters():
        p.data[...] = 0.25
    x = np.random.default_rng(2).normal(size=(3, 6)).astype(np.float32)
    old = trained.predict(x)
    path = tmp_path / "w.safetensors"
    other.save_weights(path)
    trained.load_weights(path)
    new = trained.predict(x)
    np.testing.assert_array_equal(new, _graph_outputs(trained, x))
    assert not np.array_equal(old, new)


def test_predictions_in_threads_give_the_single_thread_bits():
    from concurrent.futures import ThreadPoolExecutor

    model = _mlp(sizes=(8, 16, 4))
    rng = np.random.default_rng(3)
    rows = [rng.normal(size=(1 + i % 3, 8)).astype(np.float32) for i in range(60)]
    expected = [_graph_outputs(model, r) for r in rows]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(model.predict, rows))
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)


def test_reference_mode_predicts_through_the_graph_with_the_same_outputs():
    model = _mlp(sizes=(6, 5, 3))
    x = np.random.default_rng(4).normal(size=(2, 6)).astype(np.float32)
    fast = model.predict(x)
    with gn.reference():
        slow = model.predict(x)
    np.testing.assert_allclose(fast, slow, rtol=1e-6)


def test_the_recorded_pass_reads_as_one_line_per_operation():
    model = gn.Sequential([Dense(4, activation="relu", input_dim=3), Dense(2, activation="softmax")], seed=0)
    x = np.ones((1, 3), dtype=np.float32)
    model.predict(x)
    (tape,) = vars(model)["_forward_tapes"][1].values()
    operations = [line.split("# ")[1] for line in tape.source.splitlines() if "# " in line]
    assert operations == ["Linear", "ReLU", "Linear", "Softmax"]
    assert [t.name for t in tape.leaves] == ["W", "b", "W", "b"]


def test_a_popped_layer_is_gone_from_the_next_prediction():
    model = gn.Sequential([Dense(4, activation="relu", input_dim=3), Dense(2, activation="softmax")], seed=0)
    x = np.ones((1, 3), dtype=np.float32)
    assert model.predict(x).shape == (1, 2)
    model.pop()
    np.testing.assert_array_equal(model.predict(x), _graph_outputs(model, x))
    assert model.predict(x).shape == (1, 4)


def test_recordings_of_ever_new_shapes_do_not_pile_up():
    from glassnet.training.forward import MAX_RECORDINGS

    model = _mlp(sizes=(4, 3, 2))
    for n in range(1, MAX_RECORDINGS + 10):
        x = np.ones((n, 4), dtype=np.float32)
        np.testing.assert_array_equal(model.predict(x), _graph_outputs(model, x))
    assert len(vars(model)["_forward_tapes"][1]) == MAX_RECORDINGS


@pytest.mark.parametrize("edit", [lambda layers: layers.pop(), lambda layers: layers.__delitem__(-1),
                                  lambda layers: layers.__setitem__(1, Dense(5))])
def test_editing_the_layer_list_in_place_is_seen_by_the_next_prediction(edit):
    model = gn.Sequential([Dense(4, activation="relu", input_dim=3), Dense(2, activation="softmax")], seed=0)
    x = np.ones((2, 3), dtype=np.float32)
    model.predict(x)
    edit(model.layers)
    np.testing.assert_array_equal(model.predict(x), _graph_outputs(model, x))


def test_training_another_model_keeps_this_model_s_recordings():
    """Training changes weights and statistics in place (BatchNormalization's running
    estimates too), which the recordings read anew: no recording is thrown away for it."""
    model = _mlp(sizes=(4, 3, 2))
    other = gn.Sequential([Dense(3, input_dim=4), BatchNormalization(), Dense(1)], seed=0)
    other.compile(optimizer="sgd", loss="mse")
    data = np.ones((8, 4), dtype=np.float32), np.ones((8, 1), dtype=np.float32)
    other.fit(*data, epochs=1, verbose=0)
    x = np.ones((2, 4), dtype=np.float32)
    model.predict(x)
    store = vars(model)["_forward_tapes"]
    other.fit(*data, epochs=2, verbose=0)
    model.predict(x)
    assert vars(model)["_forward_tapes"] is store
