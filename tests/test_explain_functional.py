"""gn.explain.trace on functional graphs (branches, a shared layer, operations between
layers), checked against the same graph in PyTorch."""

import numpy as np
import pytest
import torch

import glassnet as gn
from glassnet.explain import trace
from glassnet.layers import Dense

F64 = np.float64


def _graph(seed=0):
    """x -> shared(tanh) -> h1 -> shared again -> h2;  x -> Dense(sigmoid) -> g;
    out = Dense(2)(concatenate([h2, g]) ) + Dense(2)(x)."""
    x = gn.Input((3,))
    shared = Dense(3, activation="tanh", name="shared")
    h2 = shared(shared(x))
    g = Dense(2, activation="sigmoid", name="side")(x)
    head = Dense(2, name="head")(gn.concatenate([h2, g], axis=-1))
    out = head + Dense(2, name="skip")(x)
    model = gn.Model(x, out, seed=seed)
    model.build(dtype=F64)
    rng = np.random.default_rng(seed + 100)
    for p in model.parameters():
        p.data[...] = rng.normal(scale=0.7, size=p.shape)
    return model


def _torch_graph(model, X, y):
    named = {name: torch.tensor(p.data, requires_grad=True) for name, p in model.named_parameters()}
    by_layer = {layer.name: (named[f"layers.{i}.W"], named[f"layers.{i}.b"])
                for i, layer in enumerate(model.layers)}
    zs, As = [], []

    def dense(name, a, act):
        W, b = by_layer[name]
        z = a @ W + b
        z.retain_grad()
        out = act(z)
        out.retain_grad()
        zs.append(z)
        As.append(out)
        return out

    x = torch.tensor(X)
    h2 = dense("shared", dense("shared", x, torch.tanh), torch.tanh)
    g = dense("side", x, torch.sigmoid)
    out = dense("head", torch.cat([h2, g], dim=-1), lambda z: z) + dense("skip", x, lambda z: z)
    E = torch.nn.functional.mse_loss(out, torch.tensor(y))
    E.backward()
    return E, zs, As, by_layer


def test_functional_trace_equals_torch_layer_call_by_layer_call():
    model = _graph()
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    t = trace(model, X, y, loss="mse", optimizer=gn.optim.SGD(lr=0.1))
    E, zs, As, by_layer = _torch_graph(model, X, y)
    assert [r.name for r in t.layers] == ["shared", "shared", "side", "head", "skip"]
    assert not t.chain
    assert t.loss == pytest.approx(E.item(), rel=1e-12)
    for record, z, a in zip(t.layers, zs, As, strict=True):
        np.testing.assert_allclose(record.z, z.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(record.a, a.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(record.delta, z.grad.numpy(), rtol=1e-9, atol=1e-14)
        np.testing.assert_allclose(record.dE_da, a.grad.numpy(), rtol=1e-9, atol=1e-14)
        W, b = by_layer[record.name]
        np.testing.assert_allclose(record.dW, W.grad.numpy(), rtol=1e-9, atol=1e-14)
        np.testing.assert_allclose(record.db, b.grad.numpy(), rtol=1e-9, atol=1e-14)
        np.testing.assert_allclose(record.dW_step, -0.1 * W.grad.numpy(), rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(t.layers[1].a_prev, t.layers[0].a)  # the shared layer's second call
    np.testing.assert_allclose(t.layers[3].a_prev, np.concatenate([t.layers[1].a, t.layers[2].a], axis=1))


def test_functional_equations_use_each_layer_s_input_and_its_retained_gradient():
    model = _graph(seed=2)
    rng = np.random.default_rng(3)
    t = trace(model, rng.normal(size=(1, 3)), rng.normal(size=(1, 2)), loss="mse")
    text = t.equations(4)
    assert "z^4 = x^4 W^4 + b^4" in text and "delta^4 = dE/da^4" in text
    assert "a^3" not in text.splitlines()[1]  # not the previous record's output
    assert "sum over the 2 calls of this shared layer" in t.equations(1)
    assert "(x^3)^T delta^3" in t.equations(3)


def test_functional_trace_leaves_the_model_unchanged():
    model = _graph()
    before = [p.data.copy() for p in model.parameters()]
    trace(model, np.ones((2, 3)), np.zeros((2, 2)), loss="mse", optimizer="adam")
    for p, old in zip(model.parameters(), before, strict=True):
        np.testing.assert_array_equal(p.data, old)
