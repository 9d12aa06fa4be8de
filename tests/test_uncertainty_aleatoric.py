"""The data's noise learned by a GaussianHead and a QuantileHead, in numbers, on a synthetic
heteroscedastic regression: y = sin(2 pi x) / 2 + sigma(x) eps, sigma(x) = 0.05 + 0.45 x,
x ~ U(0, 1), eps ~ N(0, 1); 2,000 training points and 5,000 held-out ones."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.layers import Dense, GaussianHead, QuantileHead

M = gn.metrics
QUANTILES = (0.025, 0.5, 0.975)


def noise_std(x):
    return 0.05 + 0.45 * x


def heteroscedastic(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 1.0, (n, 1))
    return x, 0.5 * np.sin(2 * np.pi * x) + noise_std(x) * rng.standard_normal((n, 1))


X, Y = heteroscedastic(2_000, seed=0)
X_TEST, Y_TEST = heteroscedastic(5_000, seed=1)


def _trained(head, loss, epochs=60, seed=0, data=(X, Y)):
    model = gn.Sequential([gn.Input((1,)), Dense(32, activation="tanh"), Dense(32, activation="tanh"), head],
                          seed=seed)
    model.compile(optimizer=gn.optim.Adam(learning_rate=0.01), loss=loss)
    model.fit(*data, epochs=epochs, batch_size=64, verbose=0, seed=seed)
    return model


@pytest.fixture(scope="module")
def gaussian():
    return _trained(GaussianHead(1), gn.losses.GaussianNLL())


@pytest.fixture(scope="module")
def quantile():
    return _trained(QuantileHead(QUANTILES), gn.losses.Pinball(QUANTILES))


@pytest.fixture(scope="module")
def homoscedastic():
    """The same network trained for the mean by MSE, with one std for every x: that of its
    training residuals."""
    model = _trained(Dense(1), "mse")
    return model.predict(X_TEST), float(np.std(Y - model.predict(X)))


def test_gaussian_head_std_follows_the_noise_std(gaussian):
    _, std = gaussian.predict(X_TEST, return_std=True)
    assert np.corrcoef(std[:, 0], noise_std(X_TEST[:, 0]))[0, 1] > 0.9
    assert std.shape == (5_000, 1)


def test_gaussian_head_scores_better_than_one_std_for_every_x(gaussian, homoscedastic):
    mean, std = gaussian.predict(X_TEST, return_std=True)
    plain_mean, plain_std = homoscedastic
    plain = np.full_like(plain_mean, plain_std)
    assert M.gaussian_nll(Y_TEST, mean, std) < M.gaussian_nll(Y_TEST, plain_mean, plain) - 0.1
    assert M.crps_gaussian(Y_TEST, mean, std) < M.crps_gaussian(Y_TEST, plain_mean, plain)


@pytest.mark.parametrize("model", ["gaussian", "quantile"])
def test_95_percent_intervals_cover_92_to_98_percent_of_held_out_points(model, request):
    lower, upper = request.getfixturevalue(model).predict_interval(X_TEST, level=0.95)
    assert 0.92 <= M.interval_coverage(Y_TEST, lower, upper) <= 0.98


def test_quantile_intervals_widen_with_the_noise(quantile):
    lower, upper = quantile.predict_interval(X_TEST, level=0.95)
    true_width = 2 * 1.959963984540054 * noise_std(X_TEST)
    assert np.corrcoef((upper - lower)[:, 0], true_width[:, 0])[0, 1] > 0.9
    below_median = np.mean(Y_TEST < quantile.layers[-1].column(quantile.predict(X_TEST), 0.5))
    assert abs(below_median - 0.5) < 0.05


def test_gaussian_coverage_is_close_to_every_nominal_level(gaussian):
    mean, std = gaussian.predict(X_TEST, return_std=True)
    for level in (0.5, 0.8, 0.9):
        z = {0.5: 0.6744897501960817, 0.8: 1.2815515655446004, 0.9: 1.6448536269514722}[level]
        assert abs(M.interval_coverage(Y_TEST, mean - z * std, mean + z * std) - level) < 0.03


def test_on_noise_free_data_the_learned_noise_is_small():
    y = 0.5 * np.sin(2 * np.pi * X)
    model = _trained(GaussianHead(1), gn.losses.GaussianNLL(), data=(X, y))
    _, std = model.predict(X_TEST, return_std=True)
    assert np.median(std) < 0.05 * np.std(y)


@pytest.mark.parametrize("head, loss", [(lambda: GaussianHead(1), gn.losses.GaussianNLL()),
                                        (lambda: QuantileHead(QUANTILES), gn.losses.Pinball(QUANTILES))])
def test_training_is_reproducible_by_seed(head, loss):
    first, again = (_trained(head(), loss, epochs=3, seed=5) for _ in range(2))
    np.testing.assert_array_equal(first.predict(X_TEST), again.predict(X_TEST))
    other = _trained(head(), loss, epochs=3, seed=6)
    assert not np.array_equal(first.predict(X_TEST), other.predict(X_TEST))
