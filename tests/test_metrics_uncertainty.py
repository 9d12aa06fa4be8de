"""The scores of uncertain predictions against scipy, scikit-learn, PyTorch, numerical
integration and formulas written out independently here."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.integrate import quad
from scipy.stats import entropy, norm
from sklearn.calibration import calibration_curve

import glassnet as gn

M = gn.metrics
RNG = np.random.default_rng(0)
Y, MEAN, STD = RNG.normal(size=(30, 2)), RNG.normal(size=(30, 2)), RNG.uniform(0.2, 3.0, (30, 2))


# ------------------------------------------------------------ Gaussian predictions
def test_gaussian_nll_is_scipys_negative_log_density_and_torchs_full_loss():
    expected = -norm.logpdf(Y, MEAN, STD).mean()
    assert M.gaussian_nll(Y, MEAN, STD) == pytest.approx(expected, rel=1e-13)
    by_torch = torch.nn.GaussianNLLLoss(full=True, eps=0.0)(torch.tensor(MEAN), torch.tensor(Y),
                                                            torch.tensor(STD**2))
    assert M.gaussian_nll(Y, MEAN, STD) == pytest.approx(by_torch.item(), rel=1e-13)


def _crps_by_integration(y, mean, std):
    """integral (F(x) - 1[x >= y])^2 dx, split at y where the step is."""
    def gap(x):
        return (norm.cdf(x, mean, std) - (x >= y)) ** 2

    return quad(gap, -np.inf, y, epsabs=1e-12)[0] + quad(gap, y, np.inf, epsabs=1e-12)[0]


def test_crps_gaussian_closed_form_equals_numerical_integration():
    y, mean, std = Y[:8, 0], MEAN[:8, 0], STD[:8, 0]
    expected = np.mean([_crps_by_integration(*values) for values in zip(y, mean, std)])
    assert M.crps_gaussian(y, mean, std) == pytest.approx(expected, rel=1e-8)


def test_crps_of_a_point_prediction_is_the_absolute_error_and_grows_with_a_wrong_spread():
    assert M.crps_gaussian(Y, MEAN, np.zeros_like(Y)) == pytest.approx(np.abs(Y - MEAN).mean(), rel=1e-15)
    y = RNG.standard_normal(20_000)
    right = M.crps_gaussian(y, np.zeros_like(y), np.ones_like(y))
    # E|X - y| - E|X - X'| / 2 = 2 / sqrt(pi) - 1 / sqrt(pi) for X, X', y ~ N(0, 1)
    assert right == pytest.approx(1 / np.sqrt(np.pi), rel=0.02)
    assert M.crps_gaussian(y, 0 * y, 0.3 + 0 * y) > right and M.crps_gaussian(y, 0 * y, 3 + 0 * y) > right


def test_a_column_and_a_vector_are_the_same_and_other_shapes_are_refused():
    y = Y[:, 0]
    assert M.gaussian_nll(y, MEAN[:, :1], STD[:, :1]) == M.gaussian_nll(y, MEAN[:, 0], STD[:, 0])
    with pytest.raises(ValueError, match=r"gaussian_nll: mean has shape \(30, 2\) but y has \(30,\)"):
        M.gaussian_nll(y, MEAN, STD)


@pytest.mark.parametrize("fn", [M.gaussian_nll, M.crps_gaussian])
def test_gaussian_scores_refuse_negative_and_non_finite_std(fn):
    with pytest.raises(ValueError, match=r"std must be >? ?=?\s?.*0, got values down to -1"):
        fn([0.0, 1.0], [0.0, 0.0], [1.0, -1.0])
    with pytest.raises(ValueError, match=r"std holds 1 NaN or inf value\(s\) at rows \[1\]"):
        fn([0.0, 1.0], [0.0, 0.0], [1.0, np.nan])


def test_gaussian_nll_refuses_a_zero_std():
    with pytest.raises(ValueError, match="std must be > 0"):
        M.gaussian_nll([0.0], [0.0], [0.0])


# ------------------------------------------------------------ intervals
def test_interval_coverage_and_width_count_by_hand():
    y = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    lower = np.array([-1.0, 1.0, 2.5, 0.0, 4.5])
    upper = np.array([1.0, 2.0, 3.0, 3.0, 5.0])
    assert M.interval_coverage(y, lower, upper) == 3 / 5  # the ends count as inside
    assert M.interval_width(lower, upper) == pytest.approx((2 + 1 + 0.5 + 3 + 0.5) / 5, rel=1e-15)


def test_gaussian_intervals_cover_their_nominal_level():
    y = RNG.normal(3.0, 2.0, 100_000)
    lower, upper = norm.interval(0.9, 3.0, 2.0)
    coverage = M.interval_coverage(y, np.full_like(y, lower), np.full_like(y, upper))
    assert abs(coverage - 0.9) < 4 * np.sqrt(0.9 * 0.1 / y.size)


def test_swapped_interval_ends_are_refused():
    with pytest.raises(ValueError, match=r"lower > upper for 1 element\(s\) \(first at flat index 1: "
                                         r"2 > 1\).*swapped"):
        M.interval_coverage([0.0, 1.0], [0.0, 2.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="lower > upper"):
        M.interval_width([1.0], [0.0])


# ------------------------------------------------------------ class probabilities
def _ece_reference(labels, proba, n_bins):
    """Guo et al.'s loop: bins (lo, hi], |accuracy - confidence| weighted by the bin's share."""
    confidence, predicted = proba.max(axis=1), proba.argmax(axis=1)
    edges = np.linspace(0, 1, n_bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (confidence > lo) & (confidence <= hi)
        if inside.any():
            gap = np.mean(predicted[inside] == labels[inside]) - confidence[inside].mean()
            total += inside.mean() * abs(gap)
    return total


@pytest.mark.parametrize("n_bins", [1, 5, 15])
def test_expected_calibration_error_equals_the_reference_loop(n_bins):
    proba = RNG.dirichlet(np.ones(4) * 0.5, 300)
    labels = RNG.integers(0, 4, 300)
    expected = _ece_reference(labels, proba, n_bins)
    assert M.expected_calibration_error(labels, proba, n_bins) == pytest.approx(expected, rel=1e-12)
    one_hot = np.eye(4)[labels]
    assert M.expected_calibration_error(one_hot, proba, n_bins) == pytest.approx(expected, rel=1e-12)


def test_expected_calibration_error_by_hand():
    proba = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.4, 0.6]])
    labels = np.array([0, 1, 1, 1])
    # 2 bins: (0.5, 1] holds all four, confidence 0.75, accuracy 3/4: 0; 10 bins: each alone
    assert M.expected_calibration_error(labels, proba, n_bins=2) == pytest.approx(0.0, abs=1e-15)
    expected = (abs(1 - 0.9) + abs(0 - 0.8) + abs(1 - 0.7) + abs(1 - 0.6)) / 4
    assert M.expected_calibration_error(labels, proba, n_bins=10) == pytest.approx(expected, rel=1e-12)


def test_calibration_bins_equal_sklearns_calibration_curve_for_confident_binary_scores():
    p = RNG.uniform(0.5, 1.0, 500)  # P(class 1) >= 0.5: the confidence is p itself
    y = (RNG.random(500) < p ** 2).astype(int)
    confidence, accuracy, counts = M.calibration_bins(y, p, n_bins=10)
    prob_true, prob_pred = calibration_curve(y, p, n_bins=10, strategy="uniform")
    filled = counts > 0
    np.testing.assert_allclose(accuracy[filled], prob_true, rtol=1e-12)
    np.testing.assert_allclose(confidence[filled], prob_pred, rtol=1e-12)
    assert counts.sum() == 500 and np.isnan(accuracy[~filled]).all()
    two_columns = np.column_stack([1 - p, p])
    assert M.expected_calibration_error(y, two_columns, 10) == M.expected_calibration_error(y, p[:, None], 10)


def test_a_calibrated_classifier_has_a_small_error_and_an_overconfident_one_a_large_one():
    logits = RNG.normal(scale=2.0, size=(20_000, 3))
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    labels = (RNG.random((20_000, 1)) > np.cumsum(proba, axis=1)).sum(axis=1)  # drawn from proba
    assert M.expected_calibration_error(labels, proba) < 0.02
    sharp = np.exp(3 * logits) / np.exp(3 * logits).sum(axis=1, keepdims=True)
    assert M.expected_calibration_error(labels, sharp) > 0.1


@pytest.mark.parametrize("call, message", [
    (lambda: M.expected_calibration_error([0, 1], [[0.5, 0.5], [0.2, 0.8]], n_bins=0), "n_bins must be"),
    (lambda: M.expected_calibration_error([0, 3], [[0.5, 0.5], [0.2, 0.8]]), r"labels \[0, 3\].*2 classes"),
    (lambda: M.expected_calibration_error([0, 1, 1], [[0.5, 0.5], [0.2, 0.8]]), "3 labels for 2 rows"),
    (lambda: M.expected_calibration_error([0, 1], [[1.5, -0.5], [0.2, 0.8]]), r"probabilities in \[0, 1\]"),
    (lambda: M.expected_calibration_error([0.5, 1.0], [0.3, 0.8]), "continuous"),
    (lambda: M.predictive_entropy([[2.0, -1.0]]), r"probabilities in \[0, 1\]"),
])
def test_calibration_inputs_are_checked(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_predictive_entropy_equals_scipys_entropy_in_nats():
    proba = RNG.dirichlet(np.ones(5), 40)
    proba[0] = [1.0, 0.0, 0.0, 0.0, 0.0]
    np.testing.assert_allclose(M.predictive_entropy(proba), entropy(proba, axis=1), rtol=1e-13, atol=0)
    assert M.predictive_entropy(np.full((1, 5), 0.2))[0] == pytest.approx(np.log(5), rel=1e-15)
    p = RNG.random(10)
    binary = entropy(np.column_stack([1 - p, p]), axis=1)
    np.testing.assert_allclose(M.predictive_entropy(p), binary, rtol=1e-13)
    assert M.predictive_entropy(proba).shape == (40,)
