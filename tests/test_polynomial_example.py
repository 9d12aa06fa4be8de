"""examples/polynomial_regression.py: the Gaussian-bump test MSE is reported with and without
the test points outside the training range, which the bumps cannot reach."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from sklearn.model_selection import train_test_split

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "polynomial_regression.py"


def _example():
    spec = importlib.util.spec_from_file_location("polynomial_regression", EXAMPLE)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    return example


def test_the_bump_model_test_error_comes_from_points_outside_the_training_range(capsys):
    example = _example()
    example.main()
    printed = capsys.readouterr().out
    X, y = example.make_data()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
    outside = (X_test[:, 0] < X_train.min()) | (X_test[:, 0] > X_train.max())
    assert outside.any()
    for x in X_test[outside, 0]:
        assert f"x = {x:.3f} lies outside the training range" in printed
    line = next(text for text in printed.splitlines() if "without the" in text)
    # the bumps model refitted here, its MSE on the test points inside the training range
    bumps = example.make_pipeline(example.GaussianBasis(centers=8), example.LinearRegression(alpha=1e-3))
    errors = (bumps.fit(X_train, y_train).predict(X_test) - y_test) ** 2
    assert f"test MSE {errors[~outside].mean():.4f} on {int((~outside).sum())} points" in line
    assert errors[outside].sum() > errors[~outside].sum()  # the few outside points dominate the total
