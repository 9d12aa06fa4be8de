"""SimpleRNN, LSTM, GRU and Bidirectional against torch.nn.RNN/LSTM/GRU (batch_first) in float64:
with the weights copied across, outputs, final states and every gradient (inputs, initial states,
all weights) agree to 1e-6 for lengths 1 to 50 and every flag."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import glassnet as gn

L = gn.layers
N, F, H = 3, 4, 5
TOL = {"rtol": 1e-6, "atol": 1e-9}

KINDS = {
    "rnn-tanh": (
        lambda **kw: L.SimpleRNN(H, activation="tanh", **kw),
        torch.nn.RNN,
        {"nonlinearity": "tanh"},
    ),
    "rnn-relu": (
        lambda **kw: L.SimpleRNN(H, activation="relu", **kw),
        torch.nn.RNN,
        {"nonlinearity": "relu"},
    ),
    "lstm": (lambda **kw: L.LSTM(H, **kw), torch.nn.LSTM, {}),
    "gru": (lambda **kw: L.GRU(H, **kw), torch.nn.GRU, {}),
}


def _torch_module(kind: str, bidirectional: bool = False, seed: int = 0) -> torch.nn.Module:
    _, cls, options = KINDS[kind]
    torch.manual_seed(seed)
    return cls(F, H, batch_first=True, bidirectional=bidirectional, dtype=torch.float64, **options)


def _copy(layer, module: torch.nn.Module, suffix: str = "") -> None:
    """W = weight_ih.T, U = weight_hh.T, b = bias_ih, b_U = bias_hh."""
    for ours, theirs, transpose in (
        ("W", "weight_ih", True),
        ("U", "weight_hh", True),
        ("b", "bias_ih", False),
        ("b_U", "bias_hh", False),
    ):
        value = getattr(module, f"{theirs}_l0{suffix}").detach().numpy()
        getattr(layer, ours).data[...] = value.T if transpose else value


def _grads(layer, module, suffix: str = "") -> list[tuple[np.ndarray, np.ndarray]]:
    return [
        (
            getattr(layer, ours).grad,
            getattr(module, f"{theirs}_l0{suffix}").grad.numpy().T
            if transpose
            else getattr(module, f"{theirs}_l0{suffix}").grad.numpy(),
        )
        for ours, theirs, transpose in (
            ("W", "weight_ih", True),
            ("U", "weight_hh", True),
            ("b", "bias_ih", False),
            ("b_U", "bias_hh", False),
        )
    ]


def _data(T: int, lstm: bool, seed: int = 1) -> tuple[np.ndarray, list[np.ndarray]]:
    rng = np.random.default_rng(seed + T)
    return rng.normal(size=(N, T, F)), [rng.normal(size=(N, H)) for _ in range(2 if lstm else 1)]


def _upstream(shapes: list[tuple[int, ...]], seed: int = 7) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(size=s) for s in shapes]


@pytest.mark.parametrize("go_backwards", [False, True], ids=["forward", "go_backwards"])
@pytest.mark.parametrize("return_sequences", [False, True], ids=["last", "sequences"])
@pytest.mark.parametrize("T", [1, 2, 7, 50])
@pytest.mark.parametrize("kind", list(KINDS))
def test_outputs_states_and_every_gradient_equal_torch(kind, T, return_sequences, go_backwards):
    lstm = kind == "lstm"
    x, states = _data(T, lstm)
    module = _torch_module(kind)
    layer = KINDS[kind][0](return_sequences=return_sequences, return_state=True, go_backwards=go_backwards)
    layer.ensure_built((T, F), np.float64)
    _copy(layer, module)

    xt = torch.tensor(x[:, ::-1].copy() if go_backwards else x, requires_grad=True)
    st = [torch.tensor(s[None], requires_grad=True) for s in states]
    y, finals = module(xt, tuple(st) if lstm else st[0])
    finals = [f[0] for f in (finals if lstm else (finals,))]
    expected = [y if return_sequences else finals[0], *finals]
    ups = _upstream([tuple(e.shape) for e in expected])
    sum((e * torch.tensor(u)).sum() for e, u in zip(expected, ups)).backward()

    xg = gn.tensor(x, requires_grad=True, dtype=np.float64)
    sg = [gn.tensor(s, requires_grad=True, dtype=np.float64) for s in states]
    outs = layer(xg, initial_state=sg)
    total = sum((o * gn.tensor(u, dtype=np.float64)).sum() for o, u in zip(outs, ups))
    total.backward()

    for ours, theirs in zip(outs, expected, strict=True):
        np.testing.assert_allclose(ours.data, theirs.detach().numpy(), **TOL)
    dx = xt.grad.numpy()
    np.testing.assert_allclose(xg.grad, dx[:, ::-1] if go_backwards else dx, **TOL)
    for ours, theirs in zip(sg, st):
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy()[0], **TOL)
    for ours, theirs in _grads(layer, module):
        np.testing.assert_allclose(ours, theirs, **TOL)


@pytest.mark.parametrize("kind", list(KINDS))
def test_without_return_state_the_output_alone_and_zero_initial_states(kind):
    x, _ = _data(6, False)
    module = _torch_module(kind)
    layer = KINDS[kind][0](return_sequences=True)
    layer.ensure_built((6, F), np.float64)
    _copy(layer, module)
    out = layer(gn.tensor(x, dtype=np.float64))
    assert isinstance(out, gn.Tensor)
    np.testing.assert_allclose(out.data, module(torch.tensor(x))[0].detach().numpy(), **TOL)


@pytest.mark.parametrize("return_sequences", [False, True], ids=["last", "sequences"])
@pytest.mark.parametrize("T", [1, 7])
@pytest.mark.parametrize("kind", list(KINDS))
def test_bidirectional_concat_equals_torch_bidirectional(kind, T, return_sequences):
    lstm = kind == "lstm"
    x, _ = _data(T, lstm)
    module = _torch_module(kind, bidirectional=True)
    layer = L.Bidirectional(KINDS[kind][0](return_sequences=return_sequences, return_state=True))
    layer.ensure_built((T, F), np.float64)
    _copy(layer.forward_layer, module)
    _copy(layer.backward_layer, module, "_reverse")

    xt = torch.tensor(x, requires_grad=True)
    y, finals = module(xt)
    finals = finals if lstm else (finals,)
    per_direction = [f[d] for d in (0, 1) for f in finals]  # forward's h (c), then backward's
    first = y if return_sequences else torch.cat([finals[0][0], finals[0][1]], dim=1)
    expected = [first, *per_direction]
    ups = _upstream([tuple(e.shape) for e in expected])
    sum((e * torch.tensor(u)).sum() for e, u in zip(expected, ups)).backward()

    xg = gn.tensor(x, requires_grad=True, dtype=np.float64)
    outs = layer(xg)
    sum((o * gn.tensor(u, dtype=np.float64)).sum() for o, u in zip(outs, ups)).backward()
    for ours, theirs in zip(outs, expected, strict=True):
        np.testing.assert_allclose(ours.data, theirs.detach().numpy(), **TOL)
    np.testing.assert_allclose(xg.grad, xt.grad.numpy(), **TOL)
    for sub, suffix in ((layer.forward_layer, ""), (layer.backward_layer, "_reverse")):
        for ours, theirs in _grads(sub, module, suffix):
            np.testing.assert_allclose(ours, theirs, **TOL)


@pytest.mark.parametrize(
    "merge_mode, merge",
    [
        ("sum", lambda a, b: a + b),
        ("mul", lambda a, b: a * b),
        ("ave", lambda a, b: (a + b) / 2),
        (None, lambda a, b: [a, b]),
    ],
)
def test_bidirectional_merge_modes_combine_the_two_directions(merge_mode, merge):
    x, _ = _data(5, False)
    concat = L.Bidirectional(L.GRU(H, return_sequences=True))
    concat.ensure_built((5, F), np.float64)
    other = L.Bidirectional(L.GRU(H, return_sequences=True), merge_mode=merge_mode)
    other.ensure_built((5, F), np.float64)
    other.set_weights(concat.get_weights())
    both = concat(gn.tensor(x, dtype=np.float64)).data
    expected = merge(both[..., :H], both[..., H:])
    out = other(gn.tensor(x, dtype=np.float64))
    if merge_mode is None:
        for ours, theirs in zip(out, expected, strict=True):
            np.testing.assert_allclose(ours.data, theirs, **TOL)
    else:
        np.testing.assert_allclose(out.data, expected, **TOL)
