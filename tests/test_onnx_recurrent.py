"""ONNX export of the recurrent layers (ONNX's RNN, LSTM and GRU operators): onnxruntime's outputs equal
glassnet's predictions to 1e-5, masks and initial states included."""

import numpy as np
import pytest

import glassnet as gn

ort = pytest.importorskip("onnxruntime")
pytestmark = pytest.mark.filterwarnings("ignore:model .* predicts with the random weights:UserWarning")

L = gn.layers
T, F = 6, 4


def _padded(seed=0):
    x = np.random.default_rng(seed).normal(size=(3, T, F)).astype(np.float32)
    x[1, 4:] = 0.0
    x[2, 2:] = 0.0
    return x


def _assert_parity(model, tmp_path, inputs):
    gn.io.export_onnx(model, tmp_path / "m.onnx")
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    got = session.run(None, {i.name: x for i, x in zip(session.get_inputs(), inputs)})
    want = model.predict(inputs if len(inputs) > 1 else inputs[0])
    want = want if isinstance(want, list) else [want]
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert np.abs(w).max() > 1e-3  # outputs that show the computation
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("go_backwards", [False, True], ids=["forward", "go_backwards"])
@pytest.mark.parametrize("return_sequences", [False, True], ids=["last", "sequences"])
@pytest.mark.parametrize(
    "make",
    [
        lambda **kw: L.SimpleRNN(5, **kw),
        lambda **kw: L.SimpleRNN(5, activation="relu", **kw),
        lambda **kw: L.LSTM(5, **kw),
        lambda **kw: L.GRU(5, **kw),
    ],
    ids=["rnn-tanh", "rnn-relu", "lstm", "gru"],
)
def test_each_layer_and_flag(tmp_path, make, return_sequences, go_backwards):
    model = gn.Sequential(
        [gn.Input((T, F)), make(return_sequences=return_sequences, go_backwards=go_backwards)], seed=0
    ).build()
    for p in model.parameters():  # biases away from zero
        p.data += np.random.default_rng(p.size).normal(scale=0.3, size=p.shape).astype(np.float32)
    _assert_parity(model, tmp_path, [_padded()])


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave"])
def test_masking_and_bidirectional_stacks(tmp_path, merge_mode):
    model = gn.Sequential(
        [
            gn.Input((T, F)),
            L.Masking(0.0),
            L.Bidirectional(L.LSTM(5, return_sequences=True), merge_mode=merge_mode),
            L.GRU(3, go_backwards=True, return_sequences=True),
            L.SimpleRNN(2),
        ],
        seed=0,
    ).build()
    _assert_parity(model, tmp_path, [_padded()])


def test_functional_graph_with_initial_states_return_state_and_a_mask_input(tmp_path):
    x, h0, c0, mask = gn.Input((T, F)), gn.Input((5,)), gn.Input((5,)), gn.Input((T,))
    seq, h, c = L.LSTM(5, return_sequences=True, return_state=True)(x, initial_state=[h0, c0], mask=mask)
    both = L.Bidirectional(L.GRU(3, return_state=True), merge_mode=None)(seq)
    model = gn.Model([x, h0, c0, mask], [seq, h, c, *both], seed=0).build()
    rng = np.random.default_rng(1)
    lengths = np.array([6, 4, 2])
    inputs = [
        _padded(),
        *(rng.normal(size=(3, 5)).astype(np.float32) for _ in range(2)),
        (np.arange(T)[None] < lengths[:, None]).astype(np.float32),
    ]
    _assert_parity(model, tmp_path, inputs)


def test_float64_recurrent_models_are_refused_naming_float32(tmp_path):
    model = gn.Sequential([gn.Input((T, F)), L.GRU(2)], dtype=np.float64).build()
    with pytest.raises(ValueError, match="GRU operator, which onnxruntime runs in float32 only"):
        gn.io.export_onnx(model, tmp_path / "m.onnx")
    assert not list(tmp_path.iterdir())


def test_an_activation_without_onnx_form_in_the_cell_is_named(tmp_path):
    model = gn.Sequential([gn.Input((T, F)), L.SimpleRNN(2, activation="linear")]).build()
    with pytest.raises(ValueError, match="'linear' inside its cell.*exportable: tanh, sigmoid, relu"):
        gn.io.export_onnx(model, tmp_path / "m.onnx")
