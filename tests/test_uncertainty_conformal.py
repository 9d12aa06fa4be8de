"""Split-conformal intervals: the finite-sample quantile, coverage for good and bad models."""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassnet as gn
from glassnet.uncertainty import conformal_interval

LEVEL = 0.95
N_CAL, N_TEST = 1000, 5000
# The coverage of N_TEST points for one calibration set: its spread over calibration sets
# (a Beta law, variance level (1 - level) / (N_CAL + 2)) and over the test points.
SAMPLING_ERROR = 3 * math.sqrt(LEVEL * (1 - LEVEL) * (1 / (N_CAL + 2) + 1 / N_TEST))


class Constant:
    """A regressor that predicts ``value`` everywhere (the worst reasonable model)."""

    def __init__(self, value: float = 0.0) -> None:
        self.value = value

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.full(len(X), self.value)


def heteroscedastic(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    X = rng.uniform(-1, 1, (n, 1)).astype(np.float32)
    noise = 0.05 + 0.2 * (X + 1)  # noise std growing with x
    return X, (np.sin(3 * X) + noise * rng.normal(size=X.shape)).astype(np.float32)


@pytest.fixture(scope="module")
def data() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(0)
    return {"train": heteroscedastic(500, rng), "cal": heteroscedastic(N_CAL, rng),
            "test": heteroscedastic(N_TEST, rng)}


def coverage(lower: np.ndarray, upper: np.ndarray, y: np.ndarray) -> float:
    y = y.reshape(lower.shape)
    return float(np.mean((lower <= y) & (y <= upper)))


def test_the_quantile_is_the_ceil_n_plus_one_level_smallest_score():
    # Scores |y - 0| = 1, ..., 19; k = ceil(20 * 0.9) = 18: the 18th smallest, 18.
    y = np.arange(19, 0, -1, dtype=float)
    lower, upper = conformal_interval(Constant(), np.zeros((19, 1)), y, np.zeros((2, 1)), level=0.9)
    np.testing.assert_array_equal(lower, [-18.0, -18.0])
    np.testing.assert_array_equal(upper, [18.0, 18.0])
    # k = ceil(20 * 0.95) = 19: the largest score.
    _, upper = conformal_interval(Constant(), np.zeros((19, 1)), y, np.zeros((1, 1)), level=0.95)
    np.testing.assert_array_equal(upper, [19.0])


def test_too_few_calibration_points_give_unbounded_intervals_with_a_warning():
    with pytest.warns(UserWarning, match="at least 9"):
        lower, upper = conformal_interval(Constant(), np.zeros((5, 1)), np.ones(5), np.zeros((1, 1)), 0.9)
    assert lower[0] == -np.inf and upper[0] == np.inf


def test_a_trained_network_covers_92_to_98_percent(data):
    model = gn.Sequential([gn.Input((1,)), gn.layers.Dense(32, activation="tanh"), gn.layers.Dense(1)],
                          seed=0)
    model.compile(optimizer=gn.optim.Adam(learning_rate=0.01), loss="mse")
    model.fit(*data["train"], epochs=40, batch_size=32, verbose=0, seed=0)
    lower, upper = conformal_interval(model, *data["cal"], data["test"][0], level=LEVEL)
    assert lower.shape == (N_TEST, 1)
    assert 0.92 <= coverage(lower, upper, data["test"][1]) <= 0.98


@pytest.mark.parametrize("model", [Constant(0.0), Constant(25.0)], ids=["zero", "far-off"])
def test_a_bad_model_keeps_the_guarantee(data, model):
    lower, upper = conformal_interval(model, *data["cal"], data["test"][0], level=LEVEL)
    assert coverage(lower, upper, data["test"][1]) >= LEVEL - SAMPLING_ERROR


def test_marginal_coverage_over_calibration_draws_is_between_level_and_level_plus_one_over_n_plus_one():
    # Over random calibration sets of n = 39 points, the expected coverage of a new point is in
    # [level, level + 1/(n + 1)] = [0.9, 0.925] for continuous scores.
    rng = np.random.default_rng(5)
    covered = []
    for _ in range(400):
        y = rng.normal(size=40)
        lower, upper = conformal_interval(Constant(), np.zeros((39, 1)), y[:39], np.zeros((1, 1)), level=0.9)
        covered.append(lower[0] <= y[39] <= upper[0])
    assert 0.9 - 3 * math.sqrt(0.09 / 400) <= np.mean(covered) <= 0.925 + 3 * math.sqrt(0.09 / 400)


def test_estimators_and_ensembles_are_accepted(data):
    from glassnet.estimators import MLPRegressor

    X, y = data["train"]
    net = MLPRegressor((16,), max_iter=30, learning_rate_init=0.02, random_state=0).fit(X, y.ravel())
    lower, upper = conformal_interval(net, *data["cal"], data["test"][0][:50], level=0.8)
    assert lower.shape == (50,) and (upper > lower).all()


def test_classifiers_and_mismatched_targets_are_refused(data):
    classifier = gn.Sequential([gn.Input((1,)), gn.layers.Dense(2, activation="softmax")], seed=0)
    with pytest.raises(ValueError, match="SplitConformalClassifier"):
        conformal_interval(classifier, *data["cal"], data["test"][0])
    with pytest.raises(ValueError, match="y_cal has shape"):
        conformal_interval(Constant(), np.zeros((5, 1)), np.ones(4), np.zeros((1, 1)))
    with pytest.raises(TypeError, match="predict"):
        conformal_interval(object(), np.zeros((5, 1)), np.ones(5), np.zeros((1, 1)))
    with pytest.raises(ValueError, match="level must be in"):
        conformal_interval(Constant(), np.zeros((5, 1)), np.ones(5), np.zeros((1, 1)), level=1.0)
