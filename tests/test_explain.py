"""gn.explain.trace and iterate: the lectures' quantities per layer, checked against PyTorch."""

import io

import numpy as np
import pytest
import torch

import glassnet as gn
from glassnet.explain import iterate, trace
from glassnet.layers import Dense, Dropout

F64 = np.float64
TORCH_ACT = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid, None: lambda z: z,
             "softmax": lambda z: torch.softmax(z, dim=1)}


def _network(activations, sizes, seed=0):
    layers = [Dense(n, activation=a) for n, a in zip(sizes[1:], activations)]
    model = gn.Sequential(layers, seed=seed)
    model.build(input_shape=(sizes[0],), dtype=F64)
    rng = np.random.default_rng(seed + 100)
    for p in model.parameters():
        p.data[...] = rng.normal(scale=0.7, size=p.shape)
    return model


def _torch_pass(model, X, y, activations, loss):
    """The same network in PyTorch, z and a retaining their gradients."""
    params = [torch.tensor(p.data, requires_grad=True) for p in model.parameters()]
    a, zs, As = torch.tensor(X), [], []
    for i, act in enumerate(activations):
        z = a @ params[2 * i] + params[2 * i + 1]
        z.retain_grad()
        a = TORCH_ACT[act](z)
        a.retain_grad()
        zs.append(z)
        As.append(a)
    if loss == "mse":
        E = torch.nn.functional.mse_loss(a, torch.tensor(y))
    else:
        E = torch.nn.functional.nll_loss(torch.log(a), torch.tensor(y))
    E.backward()
    return E, zs, As, params


@pytest.mark.parametrize("activations,loss", [
    (("tanh", "relu", "sigmoid", None), "mse"),
    (("sigmoid", "tanh", "relu", "softmax"), "cross_entropy"),
])
def test_trace_delta_and_gradients_equal_torch(activations, loss):
    sizes = [5, 7, 6, 4, 3]
    model = _network(activations, sizes)
    rng = np.random.default_rng(1)
    X = rng.normal(size=(8, 5))
    y = rng.normal(size=(8, 3)) if loss == "mse" else rng.integers(0, 3, size=8)
    t = trace(model, X, y, loss=loss, optimizer=gn.optim.Adam(lr=0.01))
    E, zs, As, params = _torch_pass(model, X, y, activations, loss)
    torch_opt = torch.optim.Adam(params, lr=0.01)
    before = [p.detach().clone() for p in params]
    torch_opt.step()
    assert t.loss == pytest.approx(E.item(), rel=1e-12)
    np.testing.assert_allclose(t.dE_doutput, As[-1].grad.numpy(), rtol=1e-10, atol=1e-14)
    for i, record in enumerate(t.layers):
        np.testing.assert_allclose(record.z, zs[i].detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(record.a, As[i].detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(record.delta, zs[i].grad.numpy(), rtol=1e-9, atol=1e-14)
        np.testing.assert_allclose(record.dE_da, As[i].grad.numpy(), rtol=1e-9, atol=1e-14)
        np.testing.assert_allclose(record.dW, params[2 * i].grad.numpy(), rtol=1e-9, atol=1e-14)
        np.testing.assert_allclose(record.db, params[2 * i + 1].grad.numpy(), rtol=1e-9, atol=1e-14)
        np.testing.assert_allclose(record.dW_step, (params[2 * i] - before[2 * i]).detach().numpy(),
                                   rtol=1e-7, atol=1e-12)
        np.testing.assert_allclose(record.db_step, (params[2 * i + 1] - before[2 * i + 1]).detach().numpy(),
                                   rtol=1e-7, atol=1e-12)
        np.testing.assert_allclose(record.a_prev, X if i == 0 else As[i - 1].detach().numpy(), rtol=1e-12)


def test_trace_follows_the_lectures_rules():
    """delta^L = dE/da^L * g'(z^L), delta^l = (delta^(l+1) W^(l+1)^T) * g'(z^l), dW = a^T delta."""
    model = _network(("tanh", "sigmoid", "tanh"), [3, 4, 5, 2], seed=3)
    rng = np.random.default_rng(2)
    t = trace(model, rng.normal(size=(6, 3)), rng.normal(size=(6, 2)), loss="mse")
    last = t.layers[-1]
    np.testing.assert_allclose(last.delta, last.dE_da * last.g_prime, rtol=1e-12)
    np.testing.assert_allclose(last.dE_da, 2 * (last.a - t.y) / t.y.size, rtol=1e-12)
    for lower, upper in zip(t.layers[:-1], t.layers[1:]):
        np.testing.assert_allclose(lower.delta, (upper.delta @ upper.W.T) * lower.g_prime, rtol=1e-12)
    for record in t.layers:
        np.testing.assert_allclose(record.dW, record.a_prev.T @ record.delta, rtol=1e-12)
        np.testing.assert_allclose(record.db, record.delta.sum(axis=0), rtol=1e-12)


def test_trace_leaves_model_and_optimizer_unchanged():
    model = gn.Sequential([Dense(4, activation="relu", input_dim=3), Dropout(0.5), Dense(2)], seed=0)
    model.compile(optimizer=gn.optim.Adam(lr=0.01), loss="mse")
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(16, 3)).astype(np.float32), rng.normal(size=(16, 2)).astype(np.float32)
    model.fit(X, y, epochs=2, batch_size=8, verbose=0, seed=0)
    weights = [p.data.copy() for p in model.parameters()]
    grads = [p.grad.copy() for p in model.parameters()]
    state = model.optimizer.state_dict()
    rng_state = model.layers[1].rng.bit_generator.state
    t = trace(model, X, y, optimizer=model.optimizer)
    assert all(np.array_equal(w, p.data) for w, p in zip(weights, model.parameters()))
    assert all(np.array_equal(g, p.grad) for g, p in zip(grads, model.parameters()))
    after = model.optimizer.state_dict()
    assert after["iterations"] == state["iterations"]
    assert all(np.array_equal(state["state"][k], after["state"][k]) for k in state["state"])
    assert model.layers[1].rng.bit_generator.state == rng_state
    assert t.layers[1].z is None and t.layers[1].kind == "Dropout"
    assert all(np.any(r.dW_step != 0) for r in (t.layers[0], t.layers[2]))


def test_trace_step_continues_a_bound_optimizer_state():
    """With momentum, the recorded step uses the bound optimizer's buffer (as training would)."""
    model = _network(("tanh", None), [2, 3, 1])
    opt = gn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    X, y = np.array([[0.5, -1.0], [1.0, 2.0]]), np.array([[1.0], [0.0]])
    first = trace(model, X, y, optimizer=opt)
    opt.zero_grad()
    gn.losses.MSE()(model(gn.tensor(X, dtype=F64)), y).backward()
    opt.step()
    second = trace(model, X, y, optimizer=opt)
    expected = -0.1 * (0.9 * first.layers[0].dW + second.layers[0].dW)
    np.testing.assert_allclose(second.layers[0].dW_step, expected, rtol=1e-10)


def test_views_table_frame_markdown_and_equations():
    model = _network(("sigmoid", "sigmoid"), [2, 2, 2])
    X, y = np.array([[0.05, 0.1], [0.2, 0.3]]), np.array([[0.01, 0.99], [0.5, 0.5]])
    t = trace(model, X, y, loss=gn.losses.MSE("sum", scale=0.5), optimizer=gn.optim.SGD(lr=0.5))
    from rich.console import Console

    buffer = io.StringIO()
    tables = t.table(sample=1, console=Console(file=buffer, width=200))
    assert len(tables) == 6 and f"{t.layers[0].z[1, 0]:.6g}" in buffer.getvalue()
    frame = t.to_frame()
    deltas = frame[(frame.layer == 2) & (frame.quantity == "delta")].value.to_numpy()
    np.testing.assert_allclose(deltas, t.layers[1].delta.mean(axis=0))
    assert set(frame.quantity) >= {"a_prev", "z", "a", "delta", "W", "dW", "dW_step", "b", "db", "db_step"}
    assert frame.attrs["loss"] == t.loss
    text = t.to_markdown(sample=0)
    assert "| W[0, 1] |" in text and f"{t.layers[1].delta[0, 1]:.6g}" in text
    output = t.equations(2, sample=0)
    assert "delta^2 = (a^2 - y) * g'(z^2)" in output
    assert f"{t.layers[1].delta[0, 0]:.6g}" in output
    assert "delta^1 = (delta^2 (W^2)^T) * g'(z^1)" in t.equations(1)
    with pytest.raises(ValueError, match="sample"):
        t.table(sample=5)
    with pytest.raises(KeyError, match="no layer"):
        t.equations(7)


def test_iterate_tabulates_steps_on_a_copy():
    model = _network((None,), [1, 1])
    model.load_state_dict({"layers.0.W": np.array([[0.8]]), "layers.0.b": np.array([1.0])})
    table = iterate(model, [[1.5]], [[0.5]], 3, gn.optim.SGD(lr=0.1), loss=gn.losses.MSE("sum"),
                    params={"layers.0.W": "w", "layers.0.b": "b"})
    np.testing.assert_allclose(table["w"], [0.29, 0.1115, 0.049025], rtol=1e-12)
    np.testing.assert_allclose(table["a^L"], [2.2, 1.095, 0.70825], rtol=1e-12)
    assert model.layers[0].W.data[0, 0] == 0.8
    assert list(table.to_frame().columns) == table.columns
    assert "| 3 |" in table.to_markdown()
    with pytest.raises(ValueError, match="unknown parameter"):
        iterate(model, [[1.5]], [[0.5]], 1, "sgd", params=["W"])
    with pytest.raises(ValueError, match="steps"):
        iterate(model, [[1.5]], [[0.5]], 0, "sgd")


def test_trace_rejects_bad_input():
    model = _network(("tanh",), [2, 1])
    with pytest.raises(ValueError, match="one row per sample"):
        trace(model, [0.1, 0.2], [1.0])
    with pytest.raises(TypeError, match="2 input"):
        x1, x2 = gn.Input((2,)), gn.Input((2,))
        trace(gn.Model([x1, x2], Dense(1)(x1 + x2)), [[0.1, 0.2]], [[1.0]])
    with pytest.raises(ValueError, match="equations are written for Dense"):
        with_dropout = gn.Sequential([Dense(2, input_dim=2), Dropout(0.1)])
        trace(with_dropout, [[0.1, 0.2]], [[1.0, 0.0]]).equations(2)
