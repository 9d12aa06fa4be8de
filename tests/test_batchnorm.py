"""BatchNormalization against torch.nn.BatchNorm1d/2d (float64) and finite differences."""

import numpy as np
import pytest
import torch

import glassnet as gn
from glassnet.layers import BatchNormalization, Dense

SHAPES = [(8, 3), (5, 3, 7), (4, 3, 5, 6)]


def _torch_bn(shape, momentum=0.1, eps=1e-5):
    cls = torch.nn.BatchNorm2d if len(shape) == 4 else torch.nn.BatchNorm1d
    return cls(shape[1], momentum=momentum, eps=eps).double()


def _built(layer, shape):
    """Build in float64 without touching the running statistics."""
    layer.eval()
    layer(gn.tensor(np.zeros(shape), dtype=np.float64))
    return layer.train()


def _run_both(layer, tlayer, x, upstream):
    """Forward and backward of E = sum(y * upstream) in both libraries."""
    xt = gn.tensor(x, requires_grad=True, dtype=np.float64)
    y = layer(xt)
    (y * gn.tensor(upstream, dtype=np.float64)).sum().backward()
    xr = torch.tensor(x, requires_grad=True)
    yr = tlayer(xr)
    (yr * torch.tensor(upstream)).sum().backward()
    return (y.data, xt.grad, layer.gamma.grad, layer.beta.grad), (
        yr.detach().numpy(), xr.grad.numpy(), tlayer.weight.grad.numpy(), tlayer.bias.grad.numpy())


def _random_affine(layer, tlayer, rng):
    gamma, beta = rng.normal(size=layer.gamma.shape), rng.normal(size=layer.beta.shape)
    np.copyto(layer.gamma.data, gamma)
    np.copyto(layer.beta.data, beta)
    with torch.no_grad():
        tlayer.weight.copy_(torch.tensor(gamma))
        tlayer.bias.copy_(torch.tensor(beta))


@pytest.mark.parametrize("shape", SHAPES)
def test_training_forward_gradients_and_running_stats_match_torch(shape):
    rng = np.random.default_rng(0)
    layer, tlayer = _built(BatchNormalization(), shape), _torch_bn(shape)
    _random_affine(layer, tlayer, rng)
    for _ in range(3):
        layer.gamma.grad = layer.beta.grad = None
        tlayer.zero_grad()
        x = rng.normal(2.0, 3.0, size=shape)
        ours, ref = _run_both(layer, tlayer, x, rng.normal(size=shape))
        for a, b in zip(ours, ref, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.running_mean, tlayer.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(layer.running_var, tlayer.running_var.numpy(), rtol=1e-12)


@pytest.mark.parametrize("shape", SHAPES)
def test_eval_mode_uses_running_statistics_as_torch(shape):
    rng = np.random.default_rng(1)
    layer, tlayer = _built(BatchNormalization(momentum=0.3), shape), _torch_bn(shape, momentum=0.3)
    _random_affine(layer, tlayer, rng)
    x = rng.normal(1.0, 2.0, size=shape)
    _run_both(layer, tlayer, x, np.ones(shape))
    layer.eval()
    tlayer.eval()
    before = layer.running_mean.copy()
    ours, ref = _run_both(layer, tlayer, rng.normal(size=shape), rng.normal(size=shape))
    for a, b in zip(ours, ref, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(layer.running_mean, before)


@pytest.mark.parametrize("training", [True, False])
def test_gradient_matches_central_finite_differences(training):
    rng = np.random.default_rng(2)
    shape = (6, 2, 3)
    x, upstream = rng.normal(size=shape), rng.normal(size=shape)
    layer = _built(BatchNormalization(), shape)
    np.copyto(layer.gamma.data, [1.5, -0.5])
    layer.running_mean[:] = [0.3, -0.2]
    layer.running_var[:] = [2.0, 0.5]
    layer.train(training)
    saved = layer.state_dict()

    def energy(values):
        layer.load_state_dict(saved)
        return float((layer(values).data * upstream).sum())

    xt = gn.tensor(x, requires_grad=True, dtype=np.float64)
    (layer(xt) * gn.tensor(upstream, dtype=np.float64)).sum().backward()
    numeric = np.zeros_like(x)
    h = 1e-6
    for i in np.ndindex(shape):
        step = np.zeros_like(x)
        step[i] = h
        numeric[i] = (energy(x + step) - energy(x - step)) / (2 * h)
    np.testing.assert_allclose(xt.grad, numeric, rtol=1e-6, atol=1e-8)


def test_one_fused_node_with_three_parents():
    layer = BatchNormalization()
    x = gn.tensor(np.random.default_rng(0).normal(size=(4, 3)), requires_grad=True)
    y = layer(x)
    assert y.op == "batch_norm"
    assert y.parents == (x, layer.gamma, layer.beta)


def test_float32_stays_float32_and_gamma_beta_are_parameters():
    layer = BatchNormalization()
    y = layer(np.random.default_rng(0).normal(size=(4, 3, 2, 2)).astype(np.float32))
    assert y.dtype == np.float32 and layer.running_var.dtype == np.float32
    assert [name for name, _ in layer.named_parameters()] == ["gamma", "beta"]
    assert all(isinstance(p, gn.Parameter) for p in layer.parameters())


def test_running_statistics_are_buffers_in_the_state_dict():
    rng = np.random.default_rng(3)
    model = gn.Sequential([Dense(4, input_dim=3), BatchNormalization(), Dense(1)], seed=0)
    model.build()
    model(rng.normal(size=(16, 3)))
    state = model.state_dict()
    bn = model.layers[1]
    names = [k for k in state if "running" in k]
    assert len(names) == 2
    np.testing.assert_array_equal(state[[k for k in names if k.endswith("running_mean")][0]], bn.running_mean)
    clone = gn.Sequential([Dense(4, input_dim=3), BatchNormalization(), Dense(1)], seed=5)
    clone.build()
    clone.load_state_dict(state)
    clone.eval()
    model.eval()
    probe = rng.normal(size=(5, 3))
    np.testing.assert_array_equal(clone(probe).data, model(probe).data)


def test_training_with_fit_updates_running_stats_and_predict_uses_them():
    rng = np.random.default_rng(4)
    X = rng.normal(5.0, 2.0, size=(128, 2)).astype(np.float32)
    y = (X[:, :1] - 5.0) * 0.5
    model = gn.Sequential([BatchNormalization(momentum=0.2), Dense(1)], seed=0)
    model.compile(optimizer=gn.optim.Adam(lr=0.05), loss="mse")
    model.fit(X, y, epochs=20, batch_size=32, verbose=0, seed=0)
    bn = model.layers[0]
    np.testing.assert_allclose(bn.running_mean, X.mean(axis=0), atol=0.5)
    assert model.evaluate(X, y, return_dict=True)["loss"] < 0.05
    # predict is deterministic (running statistics), whatever the batch size
    np.testing.assert_allclose(model.predict(X[:3]), model.predict(X)[:3], rtol=1e-6)


def test_keras_momentum_equivalence_is_one_minus_torch_momentum():
    """Keras updates running = k * running + (1 - k) * batch; k = 0.99 is momentum 0.01 here."""
    x = np.array([[0.0], [4.0]])
    layer = BatchNormalization(momentum=0.01)
    layer(x)
    keras_momentum = 0.99
    assert layer.running_mean[0] == pytest.approx(keras_momentum * 0.0 + (1 - keras_momentum) * 2.0)


@pytest.mark.parametrize("kwargs, match", [
    ({"momentum": 1.5}, r"momentum must be a number in \[0, 1\].*got 1.5"),
    ({"momentum": "fast"}, "momentum"),
    ({"epsilon": 0.0}, "epsilon must be a positive number, got 0.0"),
])
def test_bad_hyperparameters_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        BatchNormalization(**kwargs)


def test_bad_shapes_and_batches_of_one():
    with pytest.raises(ValueError, match=r"expects inputs \(N, C\).*got per-sample shape \(\)"):
        BatchNormalization()(np.zeros(4))
    layer = BatchNormalization()
    layer(np.zeros((2, 3)))
    layer.eval()
    assert layer(np.ones((1, 3))).shape == (1, 3)


def test_config_round_trip():
    layer = BatchNormalization(momentum=0.05, epsilon=1e-3, name="bn")
    clone = BatchNormalization.from_config(layer.get_config())
    assert clone.get_config() == {"momentum": 0.05, "epsilon": 1e-3, "axis": 1, "name": "bn"}


def test_after_conv2d_over_channels_in_a_small_cnn():
    from glassnet.layers import Activation, Conv2D, Flatten

    rng = np.random.default_rng(5)
    X = rng.normal(size=(48, 1, 6, 6)).astype(np.float32)
    y = (X[:, 0, :3].mean(axis=(1, 2)) > X[:, 0, 3:].mean(axis=(1, 2))).astype(np.int64)
    model = gn.Sequential([Conv2D(4, 3), BatchNormalization(), Activation("relu"),
                           Flatten(), Dense(2, activation="softmax")], seed=0)
    model.compile(optimizer=gn.optim.Adam(lr=0.02), loss="cross_entropy", metrics=["accuracy"])
    hist = model.fit(X, y, epochs=15, batch_size=16, verbose=0, seed=0)
    bn = model.layers[1]
    assert bn.gamma.shape == bn.running_mean.shape == (4,)
    assert hist.history["loss"][-1] < 0.5 * hist.history["loss"][0]
    features = model.layers[0](gn.tensor(X)).data
    np.testing.assert_allclose(bn.running_mean, features.mean(axis=(0, 2, 3)), atol=0.3)


def test_saved_and_loaded_with_its_running_statistics(tmp_path):
    rng = np.random.default_rng(6)
    X = rng.normal(3.0, 2.0, size=(64, 3)).astype(np.float32)
    model = gn.Sequential([Dense(4, input_dim=3), BatchNormalization(momentum=0.2), Dense(1)], seed=0)
    model.compile(optimizer=gn.optim.Adam(lr=0.01), loss="mse")
    model.fit(X, X[:, :1], epochs=2, batch_size=16, verbose=0, seed=0)
    gn.save(model, tmp_path / "bn.safetensors")
    loaded = gn.load(tmp_path / "bn.safetensors")
    assert loaded.layers[1].get_config() == model.layers[1].get_config()
    np.testing.assert_array_equal(loaded.layers[1].running_var, model.layers[1].running_var)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


@pytest.mark.parametrize("shape", [(1, 3), (1, 3, 1), (1, 3, 1, 1)])
def test_one_value_per_channel_in_training_gives_beta_and_leaves_the_running_estimates(shape):
    layer = _built(BatchNormalization(), shape)
    np.copyto(layer.gamma.data, [2.0, 3.0, 4.0])
    np.copyto(layer.beta.data, [0.5, -1.0, 2.0])
    x = gn.tensor(np.arange(3.0).reshape(shape) + 7, requires_grad=True, dtype=np.float64)
    y = layer(x)
    (y * 5.0).sum().backward()
    np.testing.assert_array_equal(y.data.reshape(3), [0.5, -1.0, 2.0])
    np.testing.assert_array_equal(x.grad, np.zeros(shape))
    np.testing.assert_array_equal(layer.gamma.grad, [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(layer.beta.grad, [5.0, 5.0, 5.0])
    np.testing.assert_array_equal(layer.running_mean, [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(layer.running_var, [1.0, 1.0, 1.0])
