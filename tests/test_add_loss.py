"""Model.add_loss (symbolic terms of a functional graph, zero-argument callables) and the
Sampling layer of a variational autoencoder: the loss and gradients they add, the history,
recorded training's bits, seeding, evaluation mode, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import glassnet as gn

F = gn.functional
L = gn.layers


def _dense_model(extra=True):
    x = gn.Input((4,))
    h = L.Dense(3, activation="tanh")(x)
    y = L.Dense(4)(h)
    model = gn.Model(x, y, seed=0, dtype=np.float64)
    if extra:
        model.add_loss(0.1 * F.mean(F.sum(h**2, axis=1)))
        model.add_loss(lambda: 0.01 * F.sum(model.layers[0].W ** 2))
    return model, h


def _data(n=32):
    return np.random.default_rng(0).normal(size=(n, 4))


def test_terms_join_the_loss_its_gradient_and_the_history():
    X = _data()
    model, _ = _dense_model()
    model.compile(gn.optim.SGD(lr=0.1), "mse")
    model.build()
    W1, b1, W2, b2 = [p.data.copy() for p in model.parameters()]
    history = model.fit(X, X, epochs=1, batch_size=len(X), shuffle=False, verbose=0).history
    leaves = [torch.tensor(a, requires_grad=True) for a in (W1, b1, W2, b2)]
    h = torch.tanh(torch.from_numpy(X) @ leaves[0] + leaves[1])
    y = h @ leaves[2] + leaves[3]
    E = ((y - torch.from_numpy(X)) ** 2).mean() + 0.1 * (h**2).sum(1).mean() + 0.01 * (leaves[0] ** 2).sum()
    E.backward()
    assert history["loss"][0] == pytest.approx(E.item(), rel=1e-12)
    for p, leaf in zip(model.parameters(), leaves, strict=True):
        np.testing.assert_allclose(p.data, leaf.detach().numpy() - 0.1 * leaf.grad.numpy(), rtol=1e-10)


def _vae(seed=0):
    x = gn.Input((4,))
    h = L.Dense(8, activation="relu")(x)
    mu, log_var = L.Dense(2)(h), L.Dense(2)(h)
    z = L.Sampling(seed=3)([mu, log_var])
    out = L.Dense(4)(L.Dense(8, activation="relu")(z))
    model = gn.Model(x, out, seed=seed)
    model.add_loss(-0.5 * F.mean(F.sum(1 + log_var - mu**2 - F.exp(log_var), axis=1)))
    model.compile("adam", "mse")
    return model


@pytest.mark.parametrize("make", [lambda: _dense_model()[0], _vae], ids=["dense", "vae"])
def test_recorded_training_gives_the_graphs_bits(make):
    X = _data().astype(np.float32)
    fast, slow = make(), make()
    fast.compile("adam", "mse")
    slow.compile("adam", "mse")
    h_fast = fast.fit(X, X, epochs=3, batch_size=8, verbose=0, seed=1).history
    with gn.reference():
        h_slow = slow.fit(X, X, epochs=3, batch_size=8, verbose=0, seed=1).history
    assert h_fast == h_slow
    for p, q in zip(fast.parameters(), slow.parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data)


def test_without_terms_nothing_changes():
    X = _data()
    with_zero, plain = _dense_model(extra=False)[0], _dense_model(extra=False)[0]
    with_zero.add_loss(lambda: 0.0 * F.sum(with_zero.layers[0].W))
    for model in (with_zero, plain):
        model.compile("sgd", "mse")
    runs = [model.fit(X, X, epochs=2, verbose=0, seed=0).history for model in (with_zero, plain)]
    assert runs[0] == runs[1]


class _Noise:
    def __init__(self, eps):
        self.eps = eps

    def draw(self, shape, dtype):
        return self.eps.astype(dtype)


def test_sampling_gradients_equal_torch():
    rng = np.random.default_rng(0)
    mu, log_var, eps, g = (rng.normal(size=(5, 3)) for _ in range(4))
    layer = L.Sampling()
    layer.draw = _Noise(eps).draw
    m, v = gn.tensor(mu, requires_grad=True, dtype=np.float64), gn.tensor(log_var, requires_grad=True,
                                                                        dtype=np.float64)
    z = layer([m, v], training=True)
    z.backward(g)
    mt, vt = torch.tensor(mu, requires_grad=True), torch.tensor(log_var, requires_grad=True)
    zt = mt + torch.exp(0.5 * vt) * torch.from_numpy(eps)
    (zt * torch.from_numpy(g)).sum().backward()
    np.testing.assert_allclose(z.data, zt.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(m.grad, mt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(v.grad, vt.grad.numpy(), rtol=1e-12)


def test_sampling_draws_anew_each_call_is_seeded_and_returns_mu_in_evaluation():
    mu, log_var = np.zeros((1000, 2), np.float32), np.full((1000, 2), np.log(4.0), np.float32)
    a, b = L.Sampling(seed=5), L.Sampling(seed=5)
    first, second = a([mu, log_var], training=True).data, a(mu, log_var, training=True).data
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(first, b([mu, log_var], training=True).data)
    assert np.std(first) == pytest.approx(2.0, rel=0.1)
    np.testing.assert_array_equal(a([mu, log_var], training=False).data, mu)
    drawing = L.Sampling(seed=5, sample_in_evaluation=True)
    assert np.std(drawing([mu, log_var], training=False).data) == pytest.approx(2.0, rel=0.1)


def test_vae_predict_is_deterministic_and_files_keep_the_sampling_layer(tmp_path):
    X = _data().astype(np.float32)
    model = _vae()
    model.fit(X, X, epochs=2, verbose=0, seed=0)
    np.testing.assert_array_equal(model.predict(X), model.predict(X))
    model.save(tmp_path / "vae.gn")
    loaded = gn.load(tmp_path / "vae.gn")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert any(type(layer) is L.Sampling for layer in loaded.layers)


def test_errors():
    model, h = _dense_model(extra=False)
    with pytest.raises(TypeError, match="callable"):
        model.add_loss(gn.tensor(1.0))
    with pytest.raises(TypeError, match="neither"):
        model.add_loss(3.0)
    other = gn.Input((4,))
    with pytest.raises(ValueError, match="not one of the model's inputs"):
        model.add_loss(F.mean(L.Dense(2)(other)))
    with pytest.raises(ValueError, match="not part of the model"):
        model.add_loss(F.mean(L.Dense(2)(h)))
    seq = gn.Sequential([L.Dense(2)])
    with pytest.raises(TypeError, match="not a functional model"):
        seq.add_loss(h)
    seq.add_loss(lambda: 1.0)
    seq.compile("sgd", "mse")
    with pytest.raises(TypeError, match="must return a Tensor"):
        seq.fit(np.zeros((4, 3)), np.zeros((4, 2)), verbose=0)
    with pytest.raises(TypeError, match="mu, log_var"):
        L.Sampling()(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="same shape"):
        L.Sampling()([np.zeros((2, 2)), np.zeros((2, 3))])
    with pytest.raises(ValueError, match="seed"):
        L.Sampling(seed=-1)


def test_explain_trace_counts_the_terms_and_runs_a_sampling_layer():
    X = _data(8)
    model, _ = _dense_model()
    model.compile("sgd", "mse")
    model.build()
    W1, b1, W2, b2 = [p.data for p in model.parameters()]
    h = np.tanh(X @ W1 + b1)
    expected = np.mean((h @ W2 + b2 - X) ** 2) + 0.1 * np.mean(np.sum(h**2, axis=1)) + 0.01 * np.sum(W1**2)
    assert gn.explain.trace(model, X, X).loss == pytest.approx(expected, rel=1e-10)
    vae = _vae()
    vae.build()
    assert np.isfinite(gn.explain.trace(vae, X.astype(np.float32), X.astype(np.float32)).loss)


@pytest.mark.parametrize("batch_size", [None, 5])
def test_evaluate_and_the_validation_loss_count_the_terms_as_keras(batch_size):
    X = _data(12)
    model, h = _dense_model()
    model.compile(gn.optim.SGD(lr=0.0), "mse")
    model.build()
    W = model.layers[0].W.data
    hidden = np.tanh(X @ W + model.layers[0].b.data)
    out = hidden @ model.layers[1].W.data + model.layers[1].b.data
    sizes = [len(X)] if batch_size is None else [5, 5, 2]
    chunks = np.split(np.arange(len(X)), np.cumsum(sizes)[:-1])
    terms = sum(len(c) * 0.1 * (hidden[c] ** 2).sum(1).mean() for c in chunks) / len(X)
    expected = ((out - X) ** 2).mean() + terms + 0.01 * (W**2).sum()
    assert model.evaluate(X, X, batch_size=batch_size, verbose=0) == pytest.approx(expected, rel=1e-12)
    history = model.fit(X, X, epochs=1, batch_size=len(X), verbose=0, validation_data=(X, X)).history
    assert history["val_loss"][0] == pytest.approx(history["loss"][0], rel=1e-12)


@pytest.mark.parametrize("metrics", [[], ["mae"]])
def test_evaluate_on_batches_counts_the_terms_as_on_arrays(metrics):
    X = _data(12)
    model, _ = _dense_model()
    model.compile(gn.optim.SGD(lr=0.0), "mse", metrics=metrics)
    model.build()
    on_arrays = model.evaluate(X, X, batch_size=4, verbose=0, return_dict=True)
    on_batches = model.evaluate(gn.data.DataLoader((X, X), batch_size=4), verbose=0, return_dict=True)
    assert on_batches["loss"] == pytest.approx(on_arrays["loss"], rel=1e-12)
    assert on_batches == pytest.approx(on_arrays, rel=1e-12)  # the metrics too
