"""Ensembles and MC dropout of Gaussian heads: coverage, and the split of the variance into
the data's noise (aleatoric) and the model's ignorance (epistemic)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet.io import ExtrapolationWarning
from glassnet.uncertainty import DeepEnsemble, MCDropout

GRID = np.linspace(-0.95, 0.95, 50, dtype=np.float32)[:, None]


def gaussian_member(activation: str = "tanh", learning_rate: float = 0.003, dropout: float = 0.0):
    def build(seed: int) -> gn.Model:
        layers = [gn.Input((1,)), gn.layers.Dense(32, activation=activation)]
        layers += [gn.layers.Dropout(dropout)] if dropout else []
        layers += [gn.layers.Dense(32, activation=activation), gn.layers.GaussianHead(1)]
        model = gn.Sequential(layers, seed=seed)
        model.compile(optimizer=gn.optim.Adam(learning_rate=learning_rate), loss=gn.losses.GaussianNLL())
        return model
    return build


def heteroscedastic(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    X = rng.uniform(-1, 1, (n, 1)).astype(np.float32)
    noise = 0.05 + 0.2 * (X + 1)  # noise std growing with x
    return X, (np.sin(3 * X) + noise * rng.normal(size=X.shape)).astype(np.float32)


def test_ensemble_of_gaussian_heads_covers_92_to_98_percent_of_5000_points():
    rng = np.random.default_rng(0)
    (X, y), (X_test, y_test) = heteroscedastic(2000, rng), heteroscedastic(5000, rng)
    ensemble = DeepEnsemble(gaussian_member("relu", 0.01), n_members=5, seed=0)
    ensemble.fit(X, y, epochs=40, batch_size=64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExtrapolationWarning)  # test points a hair beyond the training ones
        lower, upper = ensemble.predict_interval(X_test, level=0.95)
        parts = ensemble.predict_components(X_test)
    assert 0.92 <= np.mean((lower <= y_test) & (y_test <= upper)) <= 0.98
    total = parts.aleatoric_std ** 2 + parts.epistemic_std ** 2
    np.testing.assert_allclose(parts.std ** 2, total, rtol=1e-12)
    # The aleatoric part follows the true noise std, 0.05 + 0.2 (x + 1).
    truth = 0.05 + 0.2 * (X_test[:, 0] + 1)
    assert np.corrcoef(parts.aleatoric_std[:, 0], truth)[0, 1] > 0.9


def test_components_are_the_law_of_total_variance_over_the_members():
    rng = np.random.default_rng(1)
    X, y = heteroscedastic(200, rng)
    ensemble = DeepEnsemble(gaussian_member(), n_members=3, seed=2).fit(X, y, epochs=5, batch_size=32)
    heads = [m.predict(GRID, return_std=True) for m in ensemble.members_]
    means = np.stack([mean for mean, _ in heads]).astype(np.float64)
    variances = np.stack([std for _, std in heads]).astype(np.float64) ** 2
    parts = ensemble.predict_components(GRID)
    np.testing.assert_allclose(parts.mean, means.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(parts.aleatoric_std ** 2, variances.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(parts.epistemic_std ** 2, means.var(axis=0), rtol=1e-12)
    np.testing.assert_array_equal(ensemble.predict(GRID, return_std=True)[1], parts.std)


def test_noise_free_data_leave_the_aleatoric_std_near_zero():
    rng = np.random.default_rng(2)
    X = rng.uniform(-1, 1, (1000, 1)).astype(np.float32)
    y = np.sin(3 * X)
    ensemble = DeepEnsemble(gaussian_member(), n_members=5, seed=0).fit(X, y, epochs=100, batch_size=32)
    parts = ensemble.predict_components(GRID)
    assert np.median(parts.aleatoric_std) < 0.05 * y.std()


def test_pure_noise_and_much_data_leave_the_epistemic_std_near_zero():
    rng = np.random.default_rng(3)
    X = rng.uniform(-1, 1, (20000, 1)).astype(np.float32)
    y = rng.normal(size=X.shape).astype(np.float32)  # independent of x, std 1
    ensemble = DeepEnsemble(gaussian_member(learning_rate=0.01), n_members=5, seed=0)
    ensemble.fit(X, y, epochs=5, batch_size=256)
    parts = ensemble.predict_components(GRID)
    assert np.median(parts.aleatoric_std) == pytest.approx(1.0, abs=0.1)
    assert np.median(parts.epistemic_std) < 0.05


def test_mc_dropout_of_a_gaussian_head_splits_its_variance_too():
    rng = np.random.default_rng(4)
    X, y = heteroscedastic(500, rng)
    model = gaussian_member(dropout=0.1)(0)
    model.fit(X, y, epochs=20, batch_size=32, verbose=0, seed=0)
    mc = MCDropout(model, n_samples=30, seed=5)
    passes = mc.sample(GRID).astype(np.float64)  # (30, 50, 2): mean and variance per pass
    parts = mc.predict_components(GRID)
    np.testing.assert_allclose(parts.mean, passes[:, :, :1].mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(parts.aleatoric_std ** 2, passes[:, :, 1:].mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(parts.epistemic_std ** 2, passes[:, :, :1].var(axis=0), rtol=1e-12)
    assert (parts.epistemic_std > 0).all()
