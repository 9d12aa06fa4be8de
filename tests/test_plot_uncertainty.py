"""gn.plot.calibration and gn.plot.uncertainty_band: PNGs of the expected size that draw the
numbers of glassnet.metrics and the bands mean -/+ 2 std."""

from __future__ import annotations

import matplotlib.image
import numpy as np
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from scipy.stats import norm

import glassnet as gn
from glassnet import plot

RNG = np.random.default_rng(0)


def check_png(fig, path, height, width):
    assert isinstance(fig, Figure)
    assert matplotlib.image.imread(path).shape[:2] == (height, width)


def _bands(ax):
    return [c for c in ax.collections if isinstance(c, PolyCollection)]


def _extent(band):
    y = band.get_paths()[0].vertices[:, 1]
    return y.min(), y.max()


# ------------------------------------------------------------ calibration
def test_reliability_diagram_draws_the_accuracy_of_each_confidence_bin(tmp_path):
    proba = RNG.dirichlet(np.ones(3), 400)
    labels = RNG.integers(0, 3, 400)
    fig = plot.calibration(labels, proba, n_bins=10, path=tmp_path / "reliability.png")
    check_png(fig, tmp_path / "reliability.png", 450, 500)
    ax = fig.axes[0]
    confidence, accuracy, counts = gn.metrics.calibration_bins(labels, proba, 10)
    heights = [bar.get_height() for bar in ax.patches]
    np.testing.assert_allclose(heights, accuracy[counts > 0], rtol=1e-12)
    ece = gn.metrics.expected_calibration_error(labels, proba, 10)
    assert ax.get_title() == f"reliability diagram (ECE = {ece:.3f})"


def test_coverage_of_gaussian_intervals_against_the_nominal_levels(tmp_path):
    y = RNG.normal(size=300)
    mean, std = np.zeros(300), np.full(300, 0.5)  # over-confident: std 0.5 for noise 1
    fig = plot.calibration(y, mean=mean, std=std, levels=(0.9, 0.5, 0.2), path=tmp_path / "c.png")
    check_png(fig, tmp_path / "c.png", 450, 500)
    observed = fig.axes[0].lines[0]
    np.testing.assert_array_equal(observed.get_xdata(), [0.2, 0.5, 0.9])
    expected = [np.mean(np.abs(y) <= norm.ppf(0.5 + level / 2) * 0.5) for level in (0.2, 0.5, 0.9)]
    np.testing.assert_allclose(observed.get_ydata(), expected, rtol=1e-15)
    assert (observed.get_ydata() < observed.get_xdata()).all()


def test_coverage_of_given_intervals(tmp_path):
    y = np.arange(10.0)
    intervals = {0.8: (np.full(10, 1.0), np.full(10, 8.0)), 0.5: (np.full(10, 3.0), np.full(10, 6.0))}
    fig = plot.calibration(y, intervals=intervals, path=tmp_path / "i.png")
    line = fig.axes[0].lines[0]
    np.testing.assert_array_equal(line.get_xdata(), [0.5, 0.8])
    np.testing.assert_allclose(line.get_ydata(), [0.4, 0.8], rtol=1e-15)


@pytest.mark.parametrize("kwargs, error, message", [
    ({}, ValueError, "one kind of prediction.*got none"),
    ({"proba": np.full((3, 2), 0.5), "mean": np.zeros(3), "std": np.ones(3)}, ValueError, "got proba, mean"),
    ({"mean": np.zeros(3)}, ValueError, "mean and std go together"),
    ({"mean": np.zeros(3), "std": np.ones(3), "levels": ()}, ValueError, "levels is empty"),
    ({"mean": np.zeros(3), "std": np.ones(3), "levels": (0.5, 1.0)}, ValueError, r"level must be in \(0, 1"),
    ({"intervals": [(0.0, 1.0)]}, TypeError, r"intervals must be a dict \{level: \(lower, upper\)\}, got"),
    ({"intervals": {}}, ValueError, "intervals is empty"),
])
def test_calibration_refuses_unclear_input(kwargs, error, message):
    with pytest.raises(error, match=message):
        plot.calibration(np.zeros(3), **kwargs)


# ------------------------------------------------------------ uncertainty band
def _line():
    x = RNG.uniform(-2, 2, 80)
    mean = np.sin(x)
    aleatoric, epistemic = 0.1 + 0.1 * np.abs(x), 0.05 + 0.2 * x**2
    return x, mean + aleatoric * RNG.standard_normal(80), mean, aleatoric, epistemic


def test_band_without_a_split_is_mean_plus_minus_two_std_sorted_by_x(tmp_path):
    x, y, mean, aleatoric, _ = _line()
    fig = plot.uncertainty_band(x[:, None], y, mean, aleatoric, path=tmp_path / "band.png")
    check_png(fig, tmp_path / "band.png", 450, 700)
    ax = fig.axes[0]
    order = np.argsort(x)
    (mean_line,) = ax.lines
    np.testing.assert_array_equal(mean_line.get_xdata(), x[order])
    np.testing.assert_array_equal(mean_line.get_ydata(), mean[order])
    (band,) = _bands(ax)
    assert _extent(band) == pytest.approx(((mean - 2 * aleatoric).min(), (mean + 2 * aleatoric).max()))
    assert len(ax.collections) == 2  # the band and the data


@pytest.mark.parametrize("given", ["both", "aleatoric", "epistemic"])
def test_band_splits_into_epistemic_inside_the_total(given):
    x, y, mean, aleatoric, epistemic = _line()
    total = np.sqrt(aleatoric**2 + epistemic**2)
    parts = {"aleatoric_std": aleatoric, "epistemic_std": epistemic}
    if given != "both":
        parts = {f"{given}_std": parts[f"{given}_std"]}
    fig = plot.uncertainty_band(x, y, mean, total, **parts)
    outer, inner = _bands(fig.axes[0])
    assert _extent(outer) == pytest.approx(((mean - 2 * total).min(), (mean + 2 * total).max()))
    assert _extent(inner) == pytest.approx(((mean - 2 * epistemic).min(), (mean + 2 * epistemic).max()))
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == [
        "aleatoric (to ± 2 std)", "epistemic ± 2 std", "data", "mean"]


def test_band_without_data_points():
    x, _, mean, aleatoric, _ = _line()
    fig = plot.uncertainty_band(x, None, mean, aleatoric)
    assert len(fig.axes[0].collections) == 1


@pytest.mark.parametrize("change, message", [
    ({"mean": np.zeros(5)}, "mean has 5 values but x has 80"),
    ({"std": -np.ones(80)}, "std must be >= 0, got values down to -1"),
    ({"x": np.zeros((80, 2))}, r"x \(one input feature\) must have shape \(N,\) or \(N, 1\)"),
])
def test_band_refuses_mismatched_or_negative_input(change, message):
    x, y, mean, aleatoric, _ = _line()
    arguments = {"x": x, "y": y, "mean": mean, "std": aleatoric, **change}
    with pytest.raises(ValueError, match=message):
        plot.uncertainty_band(**arguments)
