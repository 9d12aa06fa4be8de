"""The RBF layer: its formula, its gradients (finite differences, PyTorch), centres from data, files."""

import numpy as np
import pytest

import glassnet as gn
from glassnet.layers import RBF

RNG = np.random.default_rng(0)
X = RNG.normal(size=(6, 3))
C = RNG.normal(size=(4, 3))
WIDTHS = np.array([0.7, 1.3, 2.0, 0.9])
PHI = {"gaussian": lambda z: np.exp(-z * z), "multiquadric": lambda z: np.sqrt(1 + z * z),
       "inverse_multiquadric": lambda z: 1 / np.sqrt(1 + z * z)}


def _layer(kernel, **params):
    layer = RBF(4, kernel=kernel, centers=C, widths=WIDTHS, **params)
    layer.ensure_built((3,), np.float64)
    return layer


def _loss(layer, x, upstream):
    return (layer(x) * gn.tensor(upstream, dtype=np.float64)).sum()


@pytest.mark.parametrize("kernel", sorted(PHI))
def test_each_unit_is_phi_of_the_distance_to_its_centre_over_its_width(kernel):
    out = _layer(kernel)(gn.tensor(X, dtype=np.float64)).numpy()
    r = np.sqrt(((X[:, None, :] - C[None]) ** 2).sum(-1))
    np.testing.assert_allclose(out, PHI[kernel](r / WIDTHS), rtol=1e-12)


@pytest.mark.parametrize("kernel", sorted(PHI))
def test_gradients_match_central_differences(kernel):
    layer = _layer(kernel)
    upstream = RNG.normal(size=(6, 4))
    x = gn.tensor(X.copy(), dtype=np.float64, requires_grad=True)
    _loss(layer, x, upstream).backward()
    h = 1e-6
    pairs = ((x.data, x.grad), (layer.C.data, layer.C.grad), (layer.widths.data, layer.widths.grad))
    for array, grad in pairs:
        numeric = np.zeros_like(array)
        for i in np.ndindex(array.shape):
            old = array[i]
            array[i] = old + h
            up = _loss(layer, gn.tensor(x.data, dtype=np.float64), upstream).item()
            array[i] = old - h
            down = _loss(layer, gn.tensor(x.data, dtype=np.float64), upstream).item()
            array[i] = old
            numeric[i] = (up - down) / (2 * h)
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("kernel", sorted(PHI))
def test_gradients_match_pytorch(kernel):
    torch = pytest.importorskip("torch")
    layer = _layer(kernel)
    upstream = RNG.normal(size=(6, 4))
    x = gn.tensor(X.copy(), dtype=np.float64, requires_grad=True)
    _loss(layer, x, upstream).backward()
    tx, tc, tw = (torch.tensor(a, requires_grad=True) for a in (X, C, WIDTHS))
    r = torch.sqrt(((tx[:, None, :] - tc[None, :, :]) ** 2).sum(-1))  # r_ij = ||x_i - c_j||
    z = r / tw
    phi = {"gaussian": torch.exp(-z * z), "multiquadric": torch.sqrt(1 + z * z),
           "inverse_multiquadric": 1 / torch.sqrt(1 + z * z)}[kernel]
    (phi * torch.tensor(upstream)).sum().backward()
    for ours, theirs in ((x.grad, tx.grad), (layer.C.grad, tc.grad), (layer.widths.grad, tw.grad)):
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-10, atol=1e-12)


def test_the_gradient_at_a_centre_is_zero_not_nan():
    layer = _layer("gaussian")
    x = gn.tensor(C[:1].copy(), dtype=np.float64, requires_grad=True)
    layer(x).sum().backward()
    assert np.isfinite(x.grad).all() and np.isfinite(layer.C.grad).all()
    assert np.allclose(layer.C.grad[0], 0.0)


def test_kmeans_centres_are_the_means_of_their_clusters_and_widths_the_nearest_centre_gaps():
    data = np.concatenate([RNG.normal(loc, 0.2, size=(30, 2)) for loc in ([0, 0], [3, 0], [0, 4])])
    layer = RBF(3, seed=0).adapt(data)
    centres = layer.C.numpy().astype(np.float64)
    nearest = np.argmin(((data[:, None] - centres[None]) ** 2).sum(-1), axis=1)
    for j in range(3):
        np.testing.assert_allclose(centres[j], data[nearest == j].mean(axis=0), atol=1e-5)
    gaps = np.sqrt(((centres[:, None] - centres[None]) ** 2).sum(-1)) + np.diag([np.inf] * 3)
    np.testing.assert_allclose(layer.widths.numpy(), gaps.min(axis=1), rtol=1e-5)


def test_random_centres_are_distinct_samples():
    data = RNG.normal(size=(20, 2)).astype(np.float32)
    layer = RBF(5, centers="random", seed=1).adapt(data)
    rows = {tuple(row) for row in data}
    assert all(tuple(c) in rows for c in layer.C.numpy()) and len({tuple(c) for c in layer.C.numpy()}) == 5


def test_fixed_centres_and_widths_are_buffers_that_training_leaves_alone():
    layer = RBF(4, centers=C, widths=WIDTHS, learn_centers=False, learn_widths=False)
    model = gn.Sequential([layer, gn.layers.Dense(1)], seed=0)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(X, X[:, 0], epochs=3, verbose=0)
    assert [name for name, _ in model.named_parameters()] == ["layers.1.W", "layers.1.b"]
    np.testing.assert_allclose(layer.C, C, rtol=1e-6)
    np.testing.assert_allclose(layer.widths, WIDTHS, rtol=1e-6)


def test_an_rbf_network_learns_a_sine_and_survives_save_and_load(tmp_path):
    x = np.linspace(-3, 3, 60)[:, None]
    model = gn.Sequential([gn.Input(shape=(1,)), RBF(8, kernel="multiquadric", seed=0), gn.layers.Dense(1)],
                          seed=0)
    model.layers[0].adapt(x)
    model.compile(optimizer=gn.optim.Adam(learning_rate=0.05), loss="mse")
    history = model.fit(x, np.sin(x[:, 0]), epochs=60, batch_size=20, verbose=0)
    assert history.history["loss"][-1] < 0.1 * history.history["loss"][0]
    model.save(tmp_path / "rbf.safetensors")
    loaded = gn.load(tmp_path / "rbf.safetensors")
    assert loaded.layers[0].get_config() == model.layers[0].get_config()
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))


def test_a_layer_without_centres_says_to_adapt_it():
    model = gn.Sequential([gn.Input(shape=(3,)), RBF(3), gn.layers.Dense(1)], seed=0)
    adapt_first = r"no centres yet: centers='kmeans'.*Call layer.adapt\(X\)"
    with pytest.warns(UserWarning, match="random weights"), pytest.raises(ValueError, match=adapt_first):
        model.predict(X)
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="no centres yet"):
        model.fit(X, X[:, 0], epochs=1, verbose=0)


@pytest.mark.parametrize("params, match", [
    (dict(units=0), "units must be a positive integer, got 0"),
    (dict(units=2, kernel="cauchy"), "kernel must be one of gaussian, multiquadric, inverse_multiquadric, "
                                     "got 'cauchy'"),
    (dict(units=2, centers="grid"), "centers must be 'kmeans', 'random' or an array"),
    (dict(units=2, centers=np.zeros((3, 2))), r"shape \(units=2, features\), got shape \(3, 2\)"),
    (dict(units=2, widths=[1.0, -1.0]), "widths must be a positive number or 2 positive numbers"),
])
def test_bad_arguments_are_named(params, match):
    with pytest.raises(ValueError, match=match):
        RBF(**params)


def test_flags_and_seed_are_checked():
    with pytest.raises(TypeError, match="learn_centers must be True or False, got 'yes'"):
        RBF(2, learn_centers="yes")
    with pytest.raises(ValueError, match="seed must be an integer >= 0 or None, got -1"):
        RBF(2, seed=-1)


def test_adapt_refuses_too_few_samples_and_array_centres():
    with pytest.raises(ValueError, match=r"at least units=5 samples, got shape \(3, 2\)"):
        RBF(5).adapt(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="was given its centres as an array"):
        RBF(4, centers=C).adapt(X)
