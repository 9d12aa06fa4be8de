"""gn.explain.loss_landscape and lr_finder: values at known points, model untouched, the rate test."""

import numpy as np
import pytest

import glassnet as gn
from glassnet.explain import filter_normalized_direction, loss_landscape, lr_finder
from glassnet.layers import Dense

F64 = np.float64


@pytest.fixture(scope="module")
def trained():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    model = gn.Sequential([Dense(8, activation="tanh"), Dense(2, activation="softmax")], seed=0)
    model.compile(optimizer=gn.optim.Adam(lr=0.05), loss="cross_entropy")
    model.build(input_shape=(2,))
    start = model.state_dict()
    model.fit(X, y, epochs=15, batch_size=32, verbose=0, seed=0)
    return model, start, X, y


def test_2d_landscape_at_the_trained_point_equals_the_models_loss(trained):
    model, _, X, y = trained
    weights = [p.data.copy() for p in model.parameters()]
    land = loss_landscape(model, X, y, kind="2d", steps=5, span=0.5)
    loss = model.evaluate(X, y, return_dict=True)["loss"]
    assert land.losses.shape == (5, 5) and land.alphas[2] == 0 and land.betas[2] == 0
    assert land.losses[2, 2] == pytest.approx(loss, rel=1e-5)
    assert land.center_loss == pytest.approx(loss, rel=1e-6)
    assert land.losses.min() >= 0.9 * loss and land.losses.max() > loss
    assert all(np.array_equal(w, p.data) for w, p in zip(weights, model.parameters()))
    fig = land.plot()
    assert len(fig.axes) == 3  # contours, their colour bar, the surface


def test_1d_interpolation_between_the_initial_and_the_trained_weights(trained):
    model, start, X, y = trained
    land = loss_landscape(model, X, y, kind="1d", steps=9, start=start)
    initial = gn.Sequential([Dense(8, activation="tanh"), Dense(2, activation="softmax")])
    initial.build(input_shape=(2,))
    initial.load_state_dict(start)
    initial.compile(optimizer="sgd", loss="cross_entropy")
    np.testing.assert_allclose(land.alphas, np.linspace(-0.5, 1.5, 9))
    assert land.losses[2] == pytest.approx(initial.evaluate(X, y, return_dict=True)["loss"], rel=1e-5)
    assert land.losses[6] == pytest.approx(model.evaluate(X, y, return_dict=True)["loss"], rel=1e-5)
    assert land.losses[6] < land.losses[2] and land.interpolated
    assert len(land.plot().axes) == 1


def test_1d_random_direction_and_explicit_loss(trained):
    model, _, X, y = trained
    land = loss_landscape(model, X, y, kind="1d", steps=7, directions="random", loss="cross_entropy", seed=3)
    assert land.losses.shape == (7,) and land.betas is None
    assert land.losses[3] == pytest.approx(land.center_loss, rel=1e-5)


def test_filter_normalized_direction_matches_each_filters_norm():
    rng = np.random.default_rng(0)
    W, b, K = rng.normal(size=(5, 3)), rng.normal(size=3), rng.normal(size=(4, 2, 3, 3))
    dW, db, dK = filter_normalized_direction([W, b, K], np.random.default_rng(1))
    np.testing.assert_allclose(np.linalg.norm(dW, axis=0), np.linalg.norm(W, axis=0))
    np.testing.assert_allclose(np.sqrt((dK**2).sum(axis=(1, 2, 3))), np.sqrt((K**2).sum(axis=(1, 2, 3))))
    assert not db.any()


def test_landscape_rejects_bad_arguments(trained):
    model, _, X, y = trained
    with pytest.raises(ValueError, match="kind"):
        loss_landscape(model, X, y, kind="3d")
    with pytest.raises(ValueError, match="directions"):
        loss_landscape(model, X, y, directions="pca")
    with pytest.raises(ValueError, match="shapes"):
        loss_landscape(model, X, y, kind="1d", start=[np.zeros(3)])
    with pytest.raises(ValueError, match="no weights"):
        loss_landscape(gn.Sequential([Dense(2)]), X, y)


# ---------------------------------------------------------------- LR finder
def _regression(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(256, 4)) * np.array([1.0, 1.5, 0.7, 1.2])
    y = X @ rng.normal(scale=2.0, size=(4, 1)) + 0.5 + 0.1 * rng.normal(size=(256, 1))
    return X, y


def _linear():
    model = gn.Sequential([Dense(1)], seed=0)
    model.build(input_shape=(4,), dtype=F64)
    return model


def _best_fixed_rate(X, y, epochs, batch_size):
    """The rate of a geometric sweep whose run of plain SGD ends with the lowest loss."""
    final = {}
    for lr in np.geomspace(1e-3, 3.0, 25):
        model = _linear()
        model.compile(optimizer=gn.optim.SGD(lr=lr), loss="mse")
        model.fit(X, y, epochs=epochs, batch_size=batch_size, verbose=0, seed=0)
        loss = model.evaluate(X, y, return_dict=True)["loss"]
        final[lr] = loss if np.isfinite(loss) else np.inf
    return min(final, key=final.get)


@pytest.mark.parametrize("batch_size,epochs", [(None, 30), (64, 5)])
def test_lr_finder_suggestion_is_near_the_best_fixed_rate_on_a_convex_problem(batch_size, epochs):
    X, y = _regression()
    best = _best_fixed_rate(X, y, epochs, batch_size)
    model = _linear()
    weights = [p.data.copy() for p in model.parameters()]
    result = lr_finder(model, X, y, start=1e-4, end=10.0, steps=100, optimizer="sgd", loss="mse",
                       batch_size=batch_size)
    assert best / 3 <= result.suggestion <= 3 * best, (result.suggestion, best)
    assert all(np.array_equal(w, p.data) for w, p in zip(weights, model.parameters()))
    assert result.lrs.size < 100  # stopped once the loss diverged
    assert result.suggestion < result.min_loss_lr


def test_lr_finder_uses_the_compiled_optimizer_on_a_copy(trained):
    model, _, X, y = trained
    weights = [p.data.copy() for p in model.parameters()]
    state = model.optimizer.state_dict()
    result = lr_finder(model, X, y, start=1e-5, end=1.0, steps=40)
    assert 1e-5 <= result.suggestion <= 1.0
    assert all(np.array_equal(w, p.data) for w, p in zip(weights, model.parameters()))
    assert model.optimizer.state_dict()["iterations"] == state["iterations"]
    fig = result.plot()
    assert fig.axes[0].get_xscale() == "log"


def test_lr_finder_rejects_bad_ranges():
    X, y = _regression()
    with pytest.raises(ValueError, match="start must be smaller than end"):
        lr_finder(_linear(), X, y, start=1.0, end=0.1)
    with pytest.raises(ValueError, match="positive learning rate"):
        lr_finder(_linear(), X, y, start=0.0)
    with pytest.raises(ValueError, match="beta"):
        lr_finder(_linear(), X, y, beta=1.0)
    with pytest.raises(RuntimeError, match="did not fall"):
        lr_finder(_linear(), X, y, start=100.0, end=1000.0, steps=20, optimizer="sgd", loss="mse")
