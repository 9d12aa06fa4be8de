"""MLPRegressor(uncertainty=...) with scikit-learn's return_std convention, and the MLP
estimators inside MAPIE's conformal regressors and classifiers."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.utils.estimator_checks import estimator_checks_generator

from glassnet.estimators import MLPClassifier, MLPRegressor
from glassnet.io import ExtrapolationWarning

INSIDE = np.linspace(-0.99, 0.99, 101)[:, None]
FAR = np.array([[-2.0], [2.0]])


def sine(n: int, seed: int = 0, noise: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 1))
    return X, np.sin(3 * X[:, 0]) + noise * rng.normal(size=n)


def fitted(**params: object) -> MLPRegressor:
    settings = {"max_iter": 100, "learning_rate_init": 0.01, "batch_size": 32, "random_state": 0, **params}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the iteration budget is small on purpose
        return MLPRegressor(**settings).fit(*sine(256))


@pytest.fixture(scope="module")
def ensemble() -> MLPRegressor:
    return fitted(hidden_layer_sizes=(64,), uncertainty="ensemble", n_members=5)


@pytest.fixture(scope="module")
def dropout() -> MLPRegressor:
    return fitted(hidden_layer_sizes=(128,), dropout=0.2, uncertainty="mc_dropout", n_samples=40)


@pytest.mark.parametrize("name", ["ensemble", "dropout"])
def test_std_far_outside_the_data_exceeds_three_times_the_median_inside(name, request):
    estimator = request.getfixturevalue(name)
    mean, inside = estimator.predict(INSIDE, return_std=True)
    assert mean.shape == inside.shape == (101,)
    with pytest.warns(ExtrapolationWarning, match="extrapolating") as caught:
        _, far = estimator.predict(FAR, return_std=True)
    assert caught[0].filename == __file__
    assert far.min() > 3 * np.median(inside)


def test_ensemble_mean_and_std_are_those_of_its_networks(ensemble):
    networks = [ensemble.model_] + [m.model_ for m in ensemble.members_]
    outputs = np.stack([n.predict(INSIDE).astype(np.float64)[:, 0] for n in networks])
    assert len(networks) == 5
    mean, std = ensemble.predict(INSIDE, return_std=True)
    np.testing.assert_allclose(mean, outputs.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(std, outputs.std(axis=0), rtol=1e-12)
    np.testing.assert_array_equal(ensemble.predict(INSIDE), mean)
    lower, upper = ensemble.predict_interval(INSIDE, level=0.95)
    np.testing.assert_allclose((upper - lower) / 2, 1.959963984540054 * std, rtol=1e-9)


def test_gaussian_output_predicts_the_noise_and_covers_92_to_98_percent():
    rng = np.random.default_rng(4)

    def data(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        X = rng.uniform(-1, 1, (n, 1))
        noise = 0.05 + 0.2 * (X[:, 0] + 1)  # noise std growing with x
        return X, np.sin(3 * X[:, 0]) + noise * rng.normal(size=n), noise

    (X, y, _), (X_test, y_test, noise) = data(2000), data(5000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimator = MLPRegressor((32, 32), uncertainty="gaussian", max_iter=40, learning_rate_init=0.01,
                                 batch_size=64, random_state=0).fit(X, y)
        mean, std = estimator.predict(X_test, return_std=True)
        lower, upper = estimator.predict_interval(X_test, level=0.95)
    assert mean.shape == std.shape == (5000,)
    assert np.corrcoef(std, noise)[0, 1] > 0.9
    assert 0.92 <= np.mean((lower <= y_test) & (y_test <= upper)) <= 0.98
    np.testing.assert_allclose(estimator.predict(X_test[:5]), mean[:5], rtol=1e-12)
    assert estimator.coefs_[-1].shape == (32, 2)  # the head: a mean and a variance


def test_seeded_by_random_state(dropout):
    again = fitted(hidden_layer_sizes=(128,), dropout=0.2, uncertainty="mc_dropout", n_samples=40)
    np.testing.assert_array_equal(dropout.predict(INSIDE, return_std=True)[1],
                                  again.predict(INSIDE, return_std=True)[1])
    small = {"hidden_layer_sizes": (8,), "uncertainty": "ensemble", "n_members": 2, "max_iter": 5}
    first, same, other = fitted(**small), fitted(**small), fitted(**small, random_state=1)
    np.testing.assert_array_equal(first.predict(INSIDE), same.predict(INSIDE))
    assert not np.array_equal(first.predict(INSIDE), other.predict(INSIDE))


def test_partial_fit_continues_every_member():
    X, y = sine(64)
    estimator = MLPRegressor((8,), uncertainty="ensemble", n_members=3, random_state=0)
    estimator.partial_fit(X, y)
    before = [m.model_.layers[0].W.data.copy() for m in estimator.members_]
    members = list(estimator.members_)
    estimator.partial_fit(X, y)
    assert estimator.members_ == members
    assert all(not np.array_equal(b, m.model_.layers[0].W.data) for b, m in zip(before, members))


def test_partial_fit_widens_the_training_ranges_to_every_batch_seen():
    X, y = sine(64)
    low, high = X[:, 0] < 0, X[:, 0] >= 0
    estimator = MLPRegressor((8,), uncertainty="gaussian", random_state=0)
    estimator.partial_fit(X[low], y[low])
    estimator.partial_fit(X[high], y[high])
    np.testing.assert_array_equal(estimator.training_ranges_, [[X.min()], [X.max()]])
    with warnings.catch_warnings():
        warnings.simplefilter("error", ExtrapolationWarning)
        estimator.predict(X, return_std=True)
    estimator.fit(X[high], y[high])  # a new fit starts the ranges anew
    np.testing.assert_array_equal(estimator.training_ranges_, [[X[high].min()], [X.max()]])


def test_without_uncertainty_return_std_says_how_to_get_it():
    estimator = fitted(hidden_layer_sizes=(4,), max_iter=2)
    with pytest.raises(ValueError, match="uncertainty='ensemble', 'mc_dropout' or 'gaussian'"):
        estimator.predict(INSIDE, return_std=True)
    with pytest.raises(ValueError, match="uncertainty="):
        estimator.predict_interval(INSIDE)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ExtrapolationWarning)
        estimator.predict(FAR)
    estimator.set_params(uncertainty="gaussian")  # counts from the next fit, as in scikit-learn
    with pytest.raises(ValueError, match="fitted without uncertainty"):
        estimator.predict(INSIDE, return_std=True)
    assert estimator.predict(INSIDE).shape == (101,)


def test_options_the_method_cannot_use_are_refused():
    X, y = sine(16)
    with pytest.raises(ValueError, match="needs dropout > 0"):
        MLPRegressor((4,), uncertainty="mc_dropout").fit(X, y)
    with pytest.raises(ValueError, match="loss='squared_error'"):
        MLPRegressor((4,), uncertainty="ensemble", loss="poisson").fit(X, np.abs(y))
    with pytest.raises(ValueError, match="uncertainty"):
        MLPRegressor((4,), uncertainty="bayes").fit(X, y)
    with pytest.raises(ValueError, match="solver='adam'"):
        MLPRegressor((4,), uncertainty="gaussian", solver="lbfgs").fit(X, y)
    with pytest.raises(ValueError, match="n_members"):
        MLPRegressor((4,), uncertainty="ensemble", n_members=1).fit(X, y)


# Dropout in training draws a mask per row, so that weighting a row twice and repeating it
# differ: this check fails for MLPRegressor(dropout=0.1) whatever its uncertainty.
DROPOUT_TRAINING = {"check_sample_weight_equivalence_on_dense_data"}


def _uncertainty_checks():
    for method in ("ensemble", "mc_dropout", "gaussian"):
        estimator = MLPRegressor(uncertainty=method, dropout=0.1 if method == "mc_dropout" else 0.0)
        for est, check in estimator_checks_generator(estimator, legacy=True):
            name = getattr(check, "func", check).__name__
            if not (method == "mc_dropout" and name in DROPOUT_TRAINING):
                yield pytest.param(est, check, id=f"{method}-{name}")


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.filterwarnings("ignore::glassnet.io.ExtrapolationWarning")
@pytest.mark.parametrize(("estimator", "check"), list(_uncertainty_checks()))
def test_sklearn_estimator_checks_with_each_uncertainty(estimator, check):
    check(estimator)


# ------------------------------------------------------------------------- MAPIE
def test_mlp_regressor_inside_mapies_split_conformal_regressor():
    mapie = pytest.importorskip("mapie.regression")
    X, y = sine(3000, seed=1, noise=0.2)
    regressor = mapie.SplitConformalRegressor(
        MLPRegressor((16,), max_iter=30, learning_rate_init=0.02, random_state=0),
        confidence_level=0.9, prefit=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        regressor.fit(X[:1000], y[:1000]).conformalize(X[1000:2000], y[1000:2000])
    predicted, intervals = regressor.predict_interval(X[2000:])
    covered = (intervals[:, 0, 0] <= y[2000:]) & (y[2000:] <= intervals[:, 1, 0])
    assert predicted.shape == (1000,)
    assert 0.9 - 3 * np.sqrt(0.09 * (1 / 1002 + 1 / 1000)) <= covered.mean()


def test_mlp_regressor_inside_mapies_cross_conformal_regressor():
    mapie = pytest.importorskip("mapie.regression")
    X, y = sine(400, seed=2, noise=0.2)
    regressor = mapie.CrossConformalRegressor(
        MLPRegressor((8,), max_iter=20, learning_rate_init=0.02, random_state=0), confidence_level=0.8,
        cv=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        regressor.fit_conformalize(X[:300], y[:300])
    _, intervals = regressor.predict_interval(X[300:])
    assert intervals.shape == (100, 2, 1) and (intervals[:, 1, 0] >= intervals[:, 0, 0]).all()


def test_mlp_classifier_inside_mapies_split_conformal_classifier():
    mapie = pytest.importorskip("mapie.classification")
    rng = np.random.default_rng(3)
    X = rng.normal(size=(3000, 2))
    y = np.where(X[:, 0] + 0.5 * rng.normal(size=3000) > 0, "up", "down")
    classifier = mapie.SplitConformalClassifier(
        MLPClassifier((16,), max_iter=30, learning_rate_init=0.02, random_state=0), confidence_level=0.9,
        prefit=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        classifier.fit(X[:1000], y[:1000]).conformalize(X[1000:2000], y[1000:2000])
    predicted, sets = classifier.predict_set(X[2000:])
    classes = list(np.unique(y))  # the columns of the sets, in the sorted order of the labels
    covered = sets[np.arange(1000), [classes.index(label) for label in y[2000:]], 0]
    assert set(predicted) <= {"up", "down"}
    assert 0.9 - 3 * np.sqrt(0.09 * (1 / 1002 + 1 / 1000)) <= covered.mean()


def test_predict_takes_gaussian_process_regressors_flags_with_their_meaning():
    X = np.random.default_rng(0).normal(size=(40, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = MLPRegressor((4,), max_iter=3, random_state=0).fit(X, X[:, 0])
    with pytest.raises(ValueError, match="not a covariance between samples.*use return_std=True"):
        net.predict(X, return_cov=True)
    with pytest.raises(TypeError, match="return_std must be True or False"):
        net.predict(X, return_std="yes")
