"""GaussianBasis and polynomial features: models non-linear in x, linear in their parameters."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

from glassnet.estimators import GaussianBasis, LinearRegression


@parametrize_with_checks([GaussianBasis(), GaussianBasis(centers=[-1.0, 0.0, 1.0], width=0.5)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_formula_by_hand():
    # 3 centres on [0, 2]: mu = 0, 1, 2, width s = spacing = 1.
    # phi_k(1) = exp(-(1 - mu_k)^2 / 2) = (e^-0.5, 1, e^-0.5) = (0.60653, 1, 0.60653).
    basis = GaussianBasis(centers=3).fit([[0.0], [2.0]])
    np.testing.assert_array_equal(basis.centers_, [[0.0], [1.0], [2.0]])
    np.testing.assert_array_equal(basis.width_, [1.0])
    np.testing.assert_allclose(basis.transform([[1.0]]), [[np.exp(-0.5), 1.0, np.exp(-0.5)]])


def test_grid_per_feature_and_column_order():
    X = np.array([[0.0, 10.0], [4.0, 30.0], [2.0, 20.0]])
    basis = GaussianBasis(centers=5).fit(X)
    np.testing.assert_allclose(basis.centers_, [[0, 10], [1, 15], [2, 20], [3, 25], [4, 30]])
    np.testing.assert_allclose(basis.width_, [1.0, 5.0])
    phi = basis.transform(X)
    assert phi.shape == (3, 10)
    mu, s = basis.centers_[3, 1], basis.width_[1]
    np.testing.assert_allclose(phi[:, 5 + 3], np.exp(-(X[:, 1] - mu) ** 2 / (2 * s**2)))
    assert basis.get_feature_names_out().tolist()[4:6] == ["x0_gauss4", "x1_gauss0"]


def test_given_centers_and_width():
    X = np.linspace(-1, 1, 7).reshape(-1, 1)
    basis = GaussianBasis(centers=[-1.0, 0.0, 1.0], width=0.25).fit(X)
    np.testing.assert_allclose(basis.transform([[0.5]]), np.exp(-np.array([[1.5, 0.5, 0.5]]) ** 2 / 0.125))
    per_feature = GaussianBasis(centers=[[0.0, 5.0], [1.0, 7.0]]).fit(np.ones((3, 2)))
    np.testing.assert_allclose(per_feature.width_, [1.0, 2.0])
    constant = GaussianBasis(centers=1).fit(np.full((4, 1), 3.0))
    np.testing.assert_allclose(constant.width_, [1.0])                  # no range: width 1
    with pytest.raises(ValueError, match=r"\(K, n_features\) = \(K, 2\); got .* shape \(2, 3\)"):
        GaussianBasis(centers=np.zeros((2, 3))).fit(np.ones((3, 2)))
    with pytest.raises(ValueError, match="finite"):
        GaussianBasis(centers=[0.0, np.nan]).fit(X)


def test_basis_regression_is_least_squares_on_phi():
    x = np.linspace(0, 2 * np.pi, 80).reshape(-1, 1)
    y = np.sin(x[:, 0])
    model = make_pipeline(GaussianBasis(centers=8), LinearRegression()).fit(x, y)
    assert model.score(x, y) > 0.999
    assert LinearRegression().fit(x, y).score(x, y) < 0.7             # a straight line cannot
    phi = GaussianBasis(centers=8).fit_transform(x)
    design = np.column_stack([np.ones(len(x)), phi])
    theta = np.linalg.lstsq(design, y, rcond=None)[0]                 # linear in the parameters
    np.testing.assert_allclose(model[-1].coef_, theta[1:], atol=1e-6)


def test_degree_three_polynomial_recovers_known_coefficients():
    # y = 1 + 2x - 0.5x^2 + 0.3x^3: a cubic in x, a linear model in (x, x^2, x^3).
    x = np.linspace(-2, 3, 40).reshape(-1, 1)
    y = 1 + 2 * x[:, 0] - 0.5 * x[:, 0] ** 2 + 0.3 * x[:, 0] ** 3
    model = make_pipeline(PolynomialFeatures(3, include_bias=False), LinearRegression()).fit(x, y)
    np.testing.assert_allclose(model[-1].coef_, [2.0, -0.5, 0.3], atol=1e-9)
    np.testing.assert_allclose(model[-1].intercept_, 1.0, atol=1e-9)
    descent = make_pipeline(PolynomialFeatures(3, include_bias=False), StandardScaler(),
                            LinearRegression(solver="gd", learning_rate=0.3, tol=1e-12, max_iter=20000))
    descent.fit(x, y)
    np.testing.assert_allclose(descent.predict(x), y, atol=1e-3)


def test_sklearn_tooling_and_pandas_output():
    rng = np.random.default_rng(0)
    X = rng.uniform(-3, 3, size=(120, 2))
    y = np.sin(X[:, 0]) + 0.1 * X[:, 1] ** 2
    pipe = Pipeline([("basis", GaussianBasis()), ("model", LinearRegression())])
    assert cross_val_score(pipe, X, y, cv=3).min() > 0.9
    search = GridSearchCV(pipe, {"basis__centers": [3, 9]}, cv=2, n_jobs=2).fit(X, y)
    assert search.best_params_ == {"basis__centers": 9}
    frame = pd.DataFrame(X, columns=["speed", "angle"])
    basis = GaussianBasis(centers=2).set_output(transform="pandas").fit(frame)
    out = basis.transform(frame)
    assert out.columns.tolist() == ["speed_gauss0", "speed_gauss1", "angle_gauss0", "angle_gauss1"]
    assert basis.feature_names_in_.tolist() == ["speed", "angle"]
    restored = pickle.loads(pickle.dumps(basis))
    pd.testing.assert_frame_equal(restored.transform(frame), out)
    assert not hasattr(clone(basis), "centers_")


def test_bad_input_follows_sklearn():
    X = np.arange(6.0).reshape(3, 2)
    with pytest.raises(NotFittedError):
        GaussianBasis().transform(X)
    with pytest.raises(ValueError, match="NaN"):
        GaussianBasis().fit(np.where(X > 3, np.nan, X))
    with pytest.raises(ValueError, match="2 features"):
        GaussianBasis().fit(X).transform(np.ones((2, 3)))
    with pytest.raises(InvalidParameterError, match="'centers' parameter of GaussianBasis"):
        GaussianBasis(centers=0).fit(X)
    with pytest.raises(InvalidParameterError, match="'width' parameter of GaussianBasis"):
        GaussianBasis(width=-1.0).fit(X)
