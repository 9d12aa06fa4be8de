"""Weight penalties through fit (against PyTorch), dropout, and the demonstrations of
overfitting, vanishing gradients and learning-rate choice (fixed seeds, asserted on curves)."""

import numpy as np
import pytest
import torch

import glassnet as gn
from glassnet import callbacks, regularizers
from glassnet.layers import Dense, Dropout
from glassnet.optim import SGD, Adam


# ------------------------------------------------------------------ penalties through fit
def _float64_model(reg1, reg2):
    model = gn.Sequential([Dense(4, activation="tanh", input_dim=3, kernel_regularizer=reg1),
                           Dense(1, kernel_regularizer=reg2)], seed=0, dtype=np.float64)
    model.compile(optimizer=SGD(lr=0.1), loss="mse")
    return model


def _torch_run(model, X, y, epochs, penalty):
    """The same network, loss and plain SGD in PyTorch, the penalty written out by hand."""
    W1, b1, W2, b2 = (torch.tensor(p.data.copy(), requires_grad=True) for p in model.parameters())
    losses, penalties = [], []
    Xt, yt = torch.tensor(X), torch.tensor(y)
    for _ in range(epochs):
        out = torch.tanh(Xt @ W1 + b1) @ W2 + b2
        data_loss = torch.mean((out - yt) ** 2)
        reg = penalty(W1, W2)
        losses.append(data_loss.item())
        penalties.append(reg.item())
        (data_loss + reg).backward()
        with torch.no_grad():
            for p in (W1, b1, W2, b2):
                p -= 0.1 * p.grad
                p.grad = None
    return losses, penalties, [p.detach().numpy() for p in (W1, b1, W2, b2)]


@pytest.mark.parametrize("reg1, reg2, penalty", [
    (regularizers.L2(0.01), None, lambda W1, W2: 0.01 * (W1 ** 2).sum()),
    (regularizers.L1(0.02), regularizers.L1L2(l1=0.01, l2=0.03),
     lambda W1, W2: 0.02 * W1.abs().sum() + 0.01 * W2.abs().sum() + 0.03 * (W2 ** 2).sum()),
])
def test_penalty_is_added_reported_apart_and_its_gradient_is_exact(reg1, reg2, penalty):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(16, 3)), rng.normal(size=(16, 1))
    model = _float64_model(reg1, reg2)
    losses, penalties, weights = _torch_run(model, X, y, 3, penalty)
    hist = model.fit(X, y, epochs=3, batch_size=None, shuffle=False, verbose=0)
    np.testing.assert_allclose(hist.history["loss"], losses, rtol=1e-12)
    np.testing.assert_allclose(hist.history["reg_loss"], penalties, rtol=1e-12)
    for p, expected in zip(model.parameters(), weights, strict=True):
        np.testing.assert_allclose(p.data, expected, rtol=1e-12, atol=1e-15)


def test_no_reg_loss_without_a_regularizer():
    rng = np.random.default_rng(0)
    model = _float64_model(None, None)
    hist = model.fit(rng.normal(size=(8, 3)), rng.normal(size=(8, 1)), epochs=1, verbose=0)
    assert set(hist.history) == {"loss"}


def test_l2_shrinks_the_weights():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(64, 3)), rng.normal(size=(64, 1))
    norms = []
    for reg in (None, regularizers.L2(0.1)):
        model = _float64_model(reg, None)
        model.fit(X, y, epochs=50, batch_size=16, verbose=0, seed=0)
        norms.append(np.linalg.norm(model.layers[0].W.data))
    assert norms[1] < 0.5 * norms[0]


# ------------------------------------------------------------------------------ dropout
def test_dropout_is_inverted_seeded_and_identity_in_eval():
    x = np.ones((2000, 50), dtype=np.float32)
    layer = Dropout(0.25, seed=3)
    t = gn.tensor(x, requires_grad=True)
    out = layer(t)
    kept = out.data != 0
    assert abs(1 - kept.mean() - 0.25) < 0.01
    np.testing.assert_array_equal(out.data[kept], np.float32(1 / 0.75))
    assert abs(out.data.mean() - 1.0) < 0.01           # the expected activation is kept
    out.sum().backward()
    np.testing.assert_array_equal(t.grad, kept / np.float32(0.75))
    np.testing.assert_array_equal(Dropout(0.25, seed=3)(x).data, out.data)
    layer.eval()
    assert layer(t) is t


@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5, "half", True])
def test_dropout_rate_outside_0_1_is_refused(rate):
    with pytest.raises(ValueError, match=r"rate must be a number in \[0, 1\)"):
        Dropout(rate)


# ---------------------------------------------------------------- overfitting demonstration
def _noisy_cubic(rng, n):
    x = rng.uniform(-1, 1, size=(n, 1))
    return x.astype(np.float32), (x ** 3 - 0.5 * x + 0.3 * rng.normal(size=(n, 1))).astype(np.float32)


def _over_large(reg=None, rate=0.0):
    layers = []
    for i in range(2):
        layers.append(Dense(128, activation="relu", input_dim=1 if i == 0 else None, kernel_regularizer=reg))
        if rate:
            layers.append(Dropout(rate))
    model = gn.Sequential([*layers, Dense(1)], seed=0)
    model.compile(optimizer=Adam(lr=0.02), loss="mse")
    return model


def test_over_large_network_overfits_and_l2_dropout_early_stopping_each_help():
    rng = np.random.default_rng(0)
    X, y = _noisy_cubic(rng, 12)
    val = _noisy_cubic(rng, 200)
    runs = {
        "none": (_over_large(), []),
        "l2": (_over_large(reg=regularizers.L2(1e-2)), []),
        "dropout": (_over_large(rate=0.3), []),
        "early_stopping": (_over_large(), [callbacks.EarlyStopping(patience=20)]),
    }
    final = {}
    for name, (model, cbs) in runs.items():
        hist = model.fit(X, y, epochs=800, batch_size=None, validation_data=val, verbose=0, seed=0,
                         callbacks=cbs)
        final[name] = model.evaluate(*val, return_dict=True)["loss"]
        if name == "none":
            train, val_curve = np.array(hist.history["loss"]), np.array(hist.history["val_loss"])
    best = int(np.argmin(val_curve))
    assert train[-1] < 0.5 * train[best]                 # training loss keeps falling ...
    assert val_curve[-1] > 1.5 * val_curve[best]         # ... while validation loss rises
    for name in ("l2", "dropout", "early_stopping"):
        assert final[name] < 0.7 * final["none"], (name, final)


# ------------------------------------------------------------------- vanishing gradients
def _deep(activation):
    layers = [Dense(32, activation=activation, input_dim=16, name="hidden0")]
    layers += [Dense(32, activation=activation, name=f"hidden{i}") for i in range(1, 8)]
    model = gn.Sequential([*layers, Dense(1, name="output")], seed=0)
    model.compile(optimizer=SGD(lr=0.01), loss="mse")
    return model


def test_sigmoid_gradients_vanish_with_depth_and_relu_he_ones_do_not():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(256, 16)).astype(np.float32)
    y = (X[:, :1] > 0).astype(np.float32)
    ratios = {}
    for activation in ("sigmoid", "relu"):
        hist = _deep(activation).fit(X, y, epochs=1, batch_size=64, verbose=0, seed=0, track_gradients=True)
        norms = hist.gradient_norms
        assert list(norms) == [f"hidden{i}" for i in range(8)] + ["output"]
        ratios[activation] = norms["hidden0"][0] / norms["hidden7"][0]
        if activation == "sigmoid":
            per_layer = [norms[f"hidden{i}"][0] for i in range(8)]
            assert all(a < b for a, b in zip(per_layer, per_layer[1:]))   # shrinking towards the input
    assert ratios["sigmoid"] < 1e-3
    assert 0.1 < ratios["relu"] < 10


# ---------------------------------------------------------------------- learning rates
def test_learning_rate_too_small_good_and_too_large_on_a_convex_problem():
    """Least squares (a linear neuron, MSE): the Hessian 2 X^T X / n has largest eigenvalue
    about 2 for standardized inputs, so gradient descent diverges for lr > ~1."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3)).astype(np.float32)
    noise = 0.1 * rng.normal(size=(200, 1)).astype(np.float32)
    y = X @ np.array([[1.5], [-2.0], [0.5]], dtype=np.float32) + noise
    curves = {}
    for lr in (0.002, 0.3, 1.3):
        model = gn.Sequential([Dense(1, input_dim=3)], seed=0)
        model.compile(optimizer=SGD(lr=lr), loss="mse")
        curves[lr] = np.array(model.fit(X, y, epochs=30, batch_size=None, verbose=0).history["loss"])
    slow, good, large = curves[0.002], curves[0.3], curves[1.3]
    assert np.all(np.diff(slow) < 0) and slow[-1] > 0.5 * slow[0]       # falls, but slowly
    assert good[10] < 0.02 and good[-1] < 0.011                          # near the noise floor 0.01
    assert np.all(np.diff(large) > 0) and large[-1] > 1e3 * large[0]     # diverges
