"""Recurrent layers as a user meets them: padded batches, stateful runs, models, recording, files,
clipping, training, and the errors that name (N, T, F) and the states."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from specs import Spec, finite_differences, run_glassnet, upstream_for

import glassnet as gn
from glassnet import accel
from glassnet.ops.recurrent import GRUSequence, LSTMSequence, SimpleRNNSequence
from glassnet.training.replay import static_model

L = gn.layers
F, H = 3, 4
pytestmark = pytest.mark.filterwarnings("ignore:model .* predicts with the random weights")

LAYERS = {
    "rnn": lambda **kw: L.SimpleRNN(H, **kw),
    "lstm": lambda **kw: L.LSTM(H, **kw),
    "gru": lambda **kw: L.GRU(H, **kw),
}


def _built(make, T=6, **kw):
    layer = make(**kw)
    layer.rng = np.random.default_rng(0)
    layer.ensure_built((T, F), np.float64)
    for p in layer.parameters():  # biases away from zero, so that every weight's gradient shows
        p.data[...] = np.random.default_rng(p.size).normal(scale=0.5, size=p.shape)
    return layer


def _run(layer, x, mask=None, up=None):
    """Outputs (with states) and the gradients of x and of every weight for sum(out * up)."""
    for p in layer.parameters():
        p.grad = None
    xg = gn.tensor(x, requires_grad=True, dtype=np.float64)
    outs = layer(xg, mask=mask) if mask is not None else layer(xg)
    outs = outs if isinstance(outs, list) else [outs]
    ups = up or [np.random.default_rng(i).normal(size=o.shape) for i, o in enumerate(outs)]
    sum((o * gn.tensor(u, dtype=np.float64)).sum() for o, u in zip(outs, ups)).backward()
    return [o.data for o in outs], xg.grad, [p.grad.copy() for p in layer.parameters()]


# ------------------------------------------------------------------------------- masking
LENGTHS = (6, 2, 4, 1)


def _padded():
    rng = np.random.default_rng(3)
    x = np.zeros((len(LENGTHS), 6, F))
    for i, n in enumerate(LENGTHS):
        x[i, :n] = rng.normal(size=(n, F))
    return x, np.arange(6)[None, :] < np.array(LENGTHS)[:, None]


@pytest.mark.parametrize("how", ["mask", "Masking"])
@pytest.mark.parametrize("go_backwards", [False, True], ids=["forward", "go_backwards"])
@pytest.mark.parametrize("kind", list(LAYERS))
def test_a_padded_batch_equals_each_sequence_alone(kind, go_backwards, how):
    """Outputs at real steps, zeros at padded ones, final states and every gradient."""
    x, mask = _padded()
    layer = _built(LAYERS[kind], return_sequences=True, return_state=True, go_backwards=go_backwards)
    rng = np.random.default_rng(5)
    ups = [rng.normal(size=(len(LENGTHS), 6, H))] + [
        rng.normal(size=(len(LENGTHS), H)) for _ in range(layer.n_states)
    ]
    if how == "mask":
        outs, dx, dW = _run(layer, x, mask=mask, up=ups)
    else:
        masking = L.Masking(0.0)
        xg = gn.tensor(x, requires_grad=True, dtype=np.float64)
        res = layer(masking(xg))
        sum((o * gn.tensor(u, dtype=np.float64)).sum() for o, u in zip(res, ups)).backward()
        outs, dx, dW = [o.data for o in res], xg.grad, [p.grad.copy() for p in layer.parameters()]
    total = [np.zeros_like(g) for g in dW]
    for i, n in enumerate(LENGTHS):
        seq_up = ups[0][i : i + 1, :n]
        if go_backwards:  # the output sequence is in reading order: its real steps come last
            seq_up = ups[0][i : i + 1, 6 - n :]
        alone, dxi, dWi = _run(layer, x[i : i + 1, :n], up=[seq_up] + [u[i : i + 1] for u in ups[1:]])
        seq = outs[0][i, 6 - n :] if go_backwards else outs[0][i, :n]
        pad = outs[0][i, : 6 - n] if go_backwards else outs[0][i, n:]
        np.testing.assert_allclose(seq, alone[0][0], rtol=1e-10, atol=1e-12)
        assert not pad.any()
        for ours, theirs in zip(outs[1:], alone[1:]):
            np.testing.assert_allclose(ours[i], theirs[0], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(dx[i, :n], dxi[0], rtol=1e-10, atol=1e-12)
        assert not dx[i, n:].any()
        total = [t + g for t, g in zip(total, dWi)]
    for ours, theirs in zip(dW, total):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def test_bidirectional_with_masking_equals_each_sequence_alone():
    x, mask = _padded()
    layer = L.Bidirectional(L.LSTM(H, return_sequences=True))
    layer.ensure_built((6, F), np.float64)
    out = layer(gn.tensor(x, dtype=np.float64), mask=mask).data
    for i, n in enumerate(LENGTHS):
        alone = layer(gn.tensor(x[i : i + 1, :n], dtype=np.float64)).data
        np.testing.assert_allclose(out[i, :n], alone[0], rtol=1e-10, atol=1e-12)
        assert not out[i, n:].any()


def test_masking_is_carried_through_a_model_and_its_recording(monkeypatch):
    x, _ = _padded()
    model = gn.Sequential(
        [gn.Input((6, F)), L.Masking(0.0), L.GRU(H, return_sequences=True), L.LSTM(2)],
        seed=0,
        dtype=np.float64,
    )
    model.build()
    batch = model.predict(x)
    monkeypatch.setattr(accel, "replay_allowed", lambda: False)
    reference = model.predict(x)
    alone = []
    for i, n in enumerate(LENGTHS):
        h = gn.tensor(x[i : i + 1, :n], dtype=np.float64)
        for layer in model.layers:
            h = layer(h)
        alone.append(h.data[0])
    np.testing.assert_allclose(batch, np.stack(alone), rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(batch, reference)


# ------------------------------------------------------------------------------ stateful
@pytest.mark.parametrize("kind", list(LAYERS))
def test_stateful_chunks_equal_one_long_sequence_until_reset(kind):
    x = np.random.default_rng(2).normal(size=(2, 12, F))
    whole = _built(LAYERS[kind], T=12, return_sequences=True)
    stateful = LAYERS[kind](return_sequences=True, stateful=True)
    stateful.ensure_built((4, F), np.float64)
    stateful.set_weights(whole.get_weights())
    chunks = [stateful(gn.tensor(x[:, k : k + 4], dtype=np.float64)).data for k in (0, 4, 8)]
    np.testing.assert_allclose(
        np.concatenate(chunks, axis=1), whole(gn.tensor(x, dtype=np.float64)).data, rtol=1e-12, atol=1e-12
    )
    stateful.reset_states()
    np.testing.assert_array_equal(stateful(gn.tensor(x[:, :4], dtype=np.float64)).data, chunks[0])
    model = gn.Sequential([gn.Input((4, F)), stateful], dtype=np.float64)
    model.reset_states()  # Keras's spelling, on the model
    np.testing.assert_array_equal(model.predict(x[:, :4]), chunks[0])


def test_stateful_layer_refuses_a_batch_of_another_size_and_models_do_not_replay_it():
    layer = L.LSTM(H, stateful=True)
    layer(np.zeros((2, 3, F)))
    with pytest.raises(ValueError, match=r"carried from the previous batch has shape \(2, 4\).*reset_states"):
        layer(np.zeros((5, 3, F)))
    layer.reset_states()
    assert layer(np.zeros((5, 3, F))).shape == (5, H)
    model = gn.Sequential([gn.Input((3, F)), layer])
    assert not static_model(model, training=True) and not static_model(model, training=False)
    with pytest.raises(ValueError, match="not stateful"):
        L.GRU(2).reset_states()


def test_dropout_layers_are_recorded_for_prediction_only():
    model = gn.Sequential([gn.Input((3, F)), L.LSTM(H, dropout=0.2, recurrent_dropout=0.3), L.Dense(1)])
    plain = gn.Sequential([gn.Input((3, F)), L.Bidirectional(L.LSTM(H, return_sequences=True)), L.GRU(2)])
    assert not static_model(model, training=True) and static_model(model, training=False)
    assert static_model(plain, training=True)


def test_dropout_changes_training_outputs_but_not_predictions():
    layer = L.GRU(H, dropout=0.5, recurrent_dropout=0.5, seed=1)
    x = np.random.default_rng(0).normal(size=(4, 5, F))
    evaluated = layer(x, training=False).data
    trained = layer(x, training=True).data
    assert not np.allclose(trained, evaluated)
    np.testing.assert_array_equal(layer(x, training=False).data, evaluated)


# ----------------------------------------------------------------- models, files, replay
def _sequence_task(n=240, T=8, seed=0):
    """Label 1 when the sequence's first value exceeds its last: the layer must remember."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, T, 1))
    return x, (x[:, 0, 0] > x[:, -1, 0]).astype(np.int64)


def test_a_small_lstm_classifier_learns_with_clipped_gradients():
    x, y = _sequence_task()
    model = gn.Sequential([gn.Input((8, 1)), L.LSTM(12), L.Dense(2, activation="softmax")], seed=0)
    model.compile(
        optimizer=gn.optim.Adam(learning_rate=0.02, clipnorm=1.0),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(x[:200], y[:200], epochs=40, batch_size=32, verbose=0, seed=0)
    assert model.evaluate(x[200:], y[200:], verbose=0)[1] >= 0.9


def test_recorded_training_gives_the_graphs_bits(monkeypatch):
    x, y = _sequence_task(n=64)
    trained = []
    for replayed in (False, True):
        monkeypatch.setattr(accel, "replay_allowed", lambda replayed=replayed: replayed)
        model = gn.Sequential(
            [
                gn.Input((8, 1)),
                L.Masking(0.0),
                L.Bidirectional(L.GRU(3, return_sequences=True)),
                L.SimpleRNN(3),
                L.Dense(2, activation="softmax"),
            ],
            seed=0,
        )
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        assert static_model(model, training=True)
        history = model.fit(x, y, epochs=2, batch_size=16, verbose=0, seed=0)
        trained.append((model.get_weights(), history.history, model.predict(x)))
    (weights, history, predicted), (weights_replayed, history_replayed, predicted_replayed) = trained
    for ours, theirs in zip(weights, weights_replayed, strict=True):
        np.testing.assert_array_equal(ours, theirs)
    assert history == history_replayed
    np.testing.assert_array_equal(predicted, predicted_replayed)


def test_gradient_clipping_by_norm_equals_torch_on_an_lstm():
    torch.manual_seed(0)
    module = torch.nn.LSTM(F, H, batch_first=True, dtype=torch.float64)
    layer = L.LSTM(H)
    layer.ensure_built((20, F), np.float64)
    for ours, theirs in (
        ("W", "weight_ih_l0"),
        ("U", "weight_hh_l0"),
        ("b", "bias_ih_l0"),
        ("b_U", "bias_hh_l0"),
    ):
        value = getattr(module, theirs).detach().numpy()
        getattr(layer, ours).data[...] = value.T if value.ndim == 2 else value
    x = np.random.default_rng(0).normal(size=(4, 20, F)) * 3
    opt = gn.optim.SGD(layer.parameters(), lr=0.5, clipnorm=0.1)
    (layer(gn.tensor(x, dtype=np.float64)) ** 2).sum().backward()
    norm = np.sqrt(sum((p.grad**2).sum() for p in layer.parameters()))
    opt.step()
    (module(torch.tensor(x))[1][0] ** 2).sum().backward()
    torch.nn.utils.clip_grad_norm_(module.parameters(), 0.1)
    torch.optim.SGD(module.parameters(), lr=0.5).step()
    assert norm > 1.0  # the clip acts
    for ours, theirs in (
        ("W", "weight_ih_l0"),
        ("U", "weight_hh_l0"),
        ("b", "bias_ih_l0"),
        ("b_U", "bias_hh_l0"),
    ):
        value = getattr(module, theirs).detach().numpy()
        np.testing.assert_allclose(
            getattr(layer, ours).data, value.T if value.ndim == 2 else value, rtol=1e-9
        )


def test_save_and_load_give_the_same_bits(tmp_path):
    x = np.random.default_rng(0).normal(size=(3, 5, F)).astype(np.float32)
    stack = gn.Sequential(
        [
            gn.Input((5, F)),
            L.Masking(0.0),
            L.Bidirectional(L.LSTM(4, return_sequences=True), merge_mode="ave"),
            L.GRU(3, go_backwards=True),
            L.Dense(2),
        ],
        seed=0,
    )
    i, h0 = gn.Input((5, F)), gn.Input((4,))
    out, state = L.SimpleRNN(4, activation="relu", return_state=True)(i, initial_state=h0)
    graph = gn.Model([i, h0], [out, L.Dense(1)(state)], seed=1)
    for model, inputs in ((stack, [x]), (graph.build(), [x, np.ones((3, 4), np.float32)])):
        gn.save(model, tmp_path / "m.safetensors")
        loaded = gn.load(tmp_path / "m.safetensors")
        ours = model.predict(*inputs) if len(inputs) == 1 else model.predict(inputs)
        theirs = loaded.predict(*inputs) if len(inputs) == 1 else loaded.predict(inputs)
        for a, b in zip(
            ours if isinstance(ours, list) else [ours], theirs if isinstance(theirs, list) else [theirs]
        ):
            np.testing.assert_array_equal(a, b)


def test_summary_lists_the_recurrent_layers_and_their_parameters():
    model = gn.Sequential([gn.Input((5, F)), L.Bidirectional(L.LSTM(4, return_sequences=True)), L.GRU(3)])
    model.build()
    text = model.summary(print_fn=None)
    assert "(None, 5, 8)" in text and "(None, 3)" in text
    lstm = 2 * (4 * 4 * (F + 4) + 2 * 16)  # two directions: W, U and two biases of 4 gates
    gru = 3 * 3 * (8 + 3) + 2 * 9
    assert f"{lstm}" in text and f"Total params: {lstm + gru:,}" in text


# -------------------------------------------------------------------------------- errors
def test_two_dimensional_input_names_n_t_f():
    with pytest.raises(
        ValueError, match=r"expects sequences of shape \(N, T, F\).*got \(N, 3\).*\(N, 3, 1\)"
    ):
        L.LSTM(2)(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"\(N, T, F\)"):
        gn.Sequential([gn.Input((3,)), L.GRU(2)]).build()


def test_initial_states_of_the_wrong_shape_or_number_are_refused():
    x = np.zeros((2, 3, F))
    with pytest.raises(ValueError, match=r"takes 2 initial state\(s\), \[h_0, c_0\], each \(N, 4\); got 1"):
        L.LSTM(4)(x, initial_state=np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"has shape \(2, 5\) but the batch needs \(2, 4\)"):
        L.GRU(4)(x, initial_state=np.zeros((2, 5)))
    with pytest.raises(ValueError, match=r"initial state 0 must be \(N, 4\)"):
        L.SimpleRNN(4)(gn.Input((3, F)), initial_state=gn.Input((5,)))
    with pytest.raises(ValueError, match=r"mask must be \(N, T\) = \(2, 3\)"):
        L.GRU(4)(x, mask=np.ones((2, 4), bool))


def test_return_state_in_a_sequential_model_is_refused():
    with pytest.raises(ValueError, match="return_state"):
        gn.Sequential([gn.Input((3, F)), L.LSTM(4, return_state=True), L.Dense(1)])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"activation": "softmax"}, "one of linear, relu, sigmoid, tanh"),
        ({"hidden_size": 4}, "units="),
        ({"num_layers": 2}, "stack them"),
        ({"reset_after": False}, "reset gate after U"),
        ({"dropout": 1.0}, r"dropout must be a number in \[0, 1\)"),
        ({"return_state": 1}, "return_state must be True or False"),
    ],
)
def test_arguments_are_checked_with_glassnets_spelling(kwargs, message):
    with pytest.raises((TypeError, ValueError), match=message):
        L.GRU(4, **kwargs)


def test_keras_and_torch_arguments_of_the_same_meaning_pass():
    layer = L.GRU(4, reset_after=True, unroll=False, implementation=2)
    assert layer(np.zeros((1, 2, F))).shape == (1, 4)


# ----------------------------------------------------------------- finite differences
@pytest.mark.parametrize("function, gates, states", [
    (SimpleRNNSequence, 1, 1), (LSTMSequence, 4, 2), (GRUSequence, 3, 1)], ids=["rnn", "lstm", "gru"])
@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
def test_masked_steps_and_recurrent_dropout_have_the_finite_difference_gradients(function, gates, states,
                                                                                  reverse):
    """The paths torch has no twin for: a mask with padding in the middle and at both ends, and a
    recurrent dropout mask, in float64 against central differences."""
    rng = np.random.default_rng(gates)
    mask = np.array([[True, False, True, True], [False, True, True, False]])
    drop = rng.uniform(0.0, 2.0, size=(2, 3))
    shapes = ((2, 4, 2), *[(2, 3)] * states, (2, 3 * gates), (3, 3 * gates), (3 * gates,), (3 * gates,))
    arrays = [rng.uniform(-1.5, 1.5, size=s) for s in shapes]

    m = gn.tensor(mask, dtype=np.float64)

    def fn(*tensors):
        return function.apply(*tensors, m, masked=True, reverse=reverse, recurrent_mask=drop)

    spec = Spec("masked", fn, None, (shapes,))
    out, grads = run_glassnet(spec, arrays, [])
    numeric = finite_differences(spec, [a.copy() for a in arrays], [], upstream_for(out))
    for i, (grad, fd) in enumerate(zip(grads, numeric, strict=True)):
        np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-7, err_msg=f"input {i}")
