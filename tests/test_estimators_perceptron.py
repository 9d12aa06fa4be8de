"""Perceptron: Rosenblatt's rule by hand, the lectures' festival example, scikit-learn's contract."""

import itertools
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

from glassnet.estimators import Perceptron

TRUTH_TABLE = np.array(list(itertools.product([0, 1], repeat=3)), dtype=float)
AND = (np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float), np.array([0, 0, 0, 1]))


@parametrize_with_checks([Perceptron(), Perceptron(shuffle=False, fit_intercept=False)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def _reference(X, t, eta, epochs, seed=None):
    """The rule written sample by sample, as in the lectures."""
    rng = np.random.default_rng(seed)
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(epochs):
        order = rng.permutation(len(X)) if seed is not None else range(len(X))
        mistakes = 0
        for i in order:
            out = 1 if X[i] @ w + b > 0 else 0
            w, b = w + eta * (t[i] - out) * X[i], b + eta * (t[i] - out)
            mistakes += out != t[i]
        if mistakes == 0:
            break
    return w, b


def test_festival_example_from_weights():
    # weights (6, 2, 2), threshold 5: x = (0, 1, 1) sums to 4 -> 0; x = (1, 0, 0) sums to 6 -> 1.
    unit = Perceptron.from_weights([6, 2, 2], -5)
    np.testing.assert_array_equal(unit.decision_function([[0, 1, 1], [1, 0, 0]]) + 5, [4, 6])
    np.testing.assert_array_equal(unit.predict([[0, 1, 1], [1, 0, 0]]), [0, 1])
    np.testing.assert_array_equal(unit.predict(TRUTH_TABLE), TRUTH_TABLE[:, 0])


def test_festival_truth_table_is_learned():
    unit = Perceptron(random_state=0).fit(TRUTH_TABLE, TRUTH_TABLE[:, 0].astype(int))
    assert unit.converged_
    np.testing.assert_array_equal(unit.predict(TRUTH_TABLE), TRUTH_TABLE[:, 0])


def test_rule_by_hand_on_and():
    # Epoch 1 (eta = 1, w = 0, b = 0, samples in order): only (1, 1) is wrong (z = 0 -> 0,
    # y = 1), so w = (1, 1), b = 1. Worked on by hand, epochs 2-5 make 3, 3, 2 and 1
    # mistakes and epoch 6 none: w = (2, 1), b = -2, i.e. 2 x1 + x2 > 2.
    X, y = AND
    with pytest.warns(ConvergenceWarning, match="linearly separable"):
        one = Perceptron(max_iter=1, shuffle=False).fit(X, y)
    np.testing.assert_array_equal(one.coef_, [1, 1])
    assert one.intercept_ == 1 and not one.converged_
    unit = Perceptron(shuffle=False).fit(X, y)
    np.testing.assert_array_equal(unit.coef_, [2, 1])
    assert (unit.intercept_, unit.n_iter_, unit.converged_) == (-2, 6, True)


@pytest.mark.parametrize("seed", [None, 3])
def test_matches_sample_by_sample_rule(seed):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 4))
    z = X @ [1.0, -2.0, 0.5, 1.0] + 0.3
    X, t = X[np.abs(z) > 0.3], (z[np.abs(z) > 0.3] > 0).astype(int)    # separable with a margin
    unit = Perceptron(learning_rate=0.5, max_iter=50, shuffle=seed is not None, random_state=seed)
    unit.fit(X, t)
    w, b = _reference(X, t, 0.5, unit.n_iter_, seed)
    np.testing.assert_allclose(unit.coef_, w, atol=1e-12)
    np.testing.assert_allclose(unit.intercept_, b, atol=1e-12)
    assert unit.converged_


def test_xor_does_not_converge():
    X, _ = AND
    with pytest.warns(ConvergenceWarning, match="may not be linearly separable"):
        unit = Perceptron(max_iter=20, random_state=0).fit(X, [0, 1, 1, 0])
    assert not unit.converged_ and unit.n_iter_ == 20


def test_any_two_labels_and_learning_rate():
    X, y = AND
    signs = Perceptron(shuffle=False).fit(X, np.where(y == 1, 1, -1))
    assert signs.classes_.tolist() == [-1, 1]
    np.testing.assert_array_equal(signs.predict(X), [-1, -1, -1, 1])
    words = Perceptron(shuffle=False).fit(X, np.array(["no", "yes"])[y])
    np.testing.assert_array_equal(words.predict(X), ["no", "no", "no", "yes"])
    small = Perceptron(learning_rate=0.1, shuffle=False).fit(X, y)  # from w = 0, eta only scales w
    np.testing.assert_allclose(small.coef_, 0.1 * signs.coef_)
    with pytest.warns(ConvergenceWarning):                       # AND needs a threshold:
        no_bias = Perceptron(fit_intercept=False, max_iter=10).fit(X, y)  # no line through 0
    assert no_bias.intercept_ == 0.0 and not no_bias.converged_


def test_one_class_is_rejected():
    X, _ = AND
    with pytest.raises(ValueError, match="at least two classes; y holds 1 class"):
        Perceptron().fit(X, [1, 1, 1, 1])
    with pytest.raises(ValueError, match="two different labels"):
        Perceptron.from_weights([1, 2], 0, classes=("a", "a"))


@pytest.mark.parametrize(("seed", "shuffle"), [(0, True), (5, True), (None, False)])
def test_several_classes_are_one_unit_per_class(seed, shuffle):
    # One-vs-rest: unit c is exactly the two-class perceptron fitted to y == c (the same
    # orders of the samples), and predict answers the unit with the largest sum.
    rng = np.random.default_rng(2)
    X = rng.normal(size=(150, 4))
    y = np.array(["ant", "bee", "cat", "dog"])[(X[:, :4] + 0.3 * rng.normal(size=(150, 4))).argmax(axis=1)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = Perceptron(max_iter=30, random_state=seed, shuffle=shuffle).fit(X, y)
        units = [Perceptron(max_iter=30, random_state=seed, shuffle=shuffle).fit(X, y == c)
                 for c in model.classes_]
    assert model.coef_.shape == (4, 4) and model.intercept_.shape == (4,)
    np.testing.assert_array_equal(model.coef_, [unit.coef_ for unit in units])
    np.testing.assert_array_equal(model.intercept_, [unit.intercept_ for unit in units])
    assert model.n_iter_ == max(unit.n_iter_ for unit in units)
    assert model.converged_ == all(unit.converged_ for unit in units)
    sums = np.column_stack([unit.decision_function(X) for unit in units])
    np.testing.assert_allclose(model.decision_function(X), sums, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(model.predict(X), model.classes_[model.decision_function(X).argmax(axis=1)])


def test_separable_classes_converge():
    centres = np.array([[0.0, 6.0], [6.0, 0.0], [-6.0, -6.0]])
    X = np.repeat(centres, 10, axis=0) + np.random.default_rng(0).uniform(-1, 1, size=(30, 2))
    y = np.repeat([0, 1, 2], 10)
    model = Perceptron(random_state=0).fit(X, y)
    assert model.converged_ and model.score(X, y) == 1.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_computes_in_the_dtype_of_x(dtype):
    X, y = AND
    unit = Perceptron(shuffle=False).fit(X.astype(dtype), y)
    assert unit.coef_.dtype == dtype
    np.testing.assert_array_equal(unit.coef_, [2, 1])        # the rule's numbers, as in float64
    assert unit.intercept_ == -2
    assert Perceptron(shuffle=False).fit(X.astype(int), y).coef_.dtype == np.float64


def test_bad_input_follows_sklearn():
    X, y = AND
    with pytest.raises(NotFittedError):
        Perceptron().predict(X)
    with pytest.raises(ValueError, match="NaN"):
        Perceptron().fit(np.where(X == 1, np.nan, X), y)
    with pytest.raises(ValueError, match="infinity"):
        Perceptron().fit(np.where(X == 1, np.inf, X), y)
    with pytest.raises(ValueError, match="2 features"):
        Perceptron().fit(X, y).predict(TRUTH_TABLE)
    with pytest.raises(InvalidParameterError, match="'learning_rate' parameter of Perceptron must be"):
        Perceptron(learning_rate=0).fit(X, y)
    with pytest.raises(InvalidParameterError, match="'max_iter' parameter of Perceptron"):
        Perceptron(max_iter=0.5).fit(X, y)


def test_sklearn_tooling():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3)) * [1.0, 50.0, 0.02]
    labels = np.where(X[:, 0] + X[:, 1] / 50 > 0, "up", "down")
    pipe = Pipeline([("scale", StandardScaler()), ("model", Perceptron(random_state=0))])
    assert cross_val_score(pipe, X, labels, cv=3).min() > 0.9
    search = GridSearchCV(pipe, {"model__learning_rate": [0.1, 1.0]}, cv=2, n_jobs=2).fit(X, labels)
    assert search.score(X, labels) > 0.9
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    fitted = Perceptron(random_state=0).fit(frame, labels)
    assert fitted.feature_names_in_.tolist() == ["a", "b", "c"]
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict(frame), fitted.predict(frame))
    assert not hasattr(clone(fitted), "coef_")


# ------------------------------------------------------------------ multi-output perceptron
def test_multi_output_perceptron_learns_and_or_xor_free_gates_at_once():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    Y = np.array([[0, 0, 1], [0, 1, 1], [0, 1, 1], [1, 1, 0]])  # AND, OR, NAND
    model = Perceptron(shuffle=False).fit(X, Y)
    assert model.coef_.shape == (3, 2) and model.intercept_.shape == (3,) and model.converged_
    assert model.predict(X).tolist() == Y.tolist()
    assert model.classes_.tolist() == [0, 1, 2]


def test_each_output_unit_is_the_single_unit_perceptron_of_its_column():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    Y = np.column_stack([X @ [1, -1, 0.5] > 0, X @ [-0.3, 0.2, 1] > 0.1]).astype(int)
    model = Perceptron(random_state=3, learning_rate=0.5).fit(X, Y)
    for j in range(2):
        single = Perceptron(random_state=3, learning_rate=0.5).fit(X, Y[:, j])
        np.testing.assert_array_equal(model.coef_[j], single.coef_)
        assert model.intercept_[j] == single.intercept_


def test_one_update_by_hand():
    """From W = 0, b = 0 the first sample x = (1, 2) with targets (1, 0, 1): every unit outputs 0, so
    units 1 and 3 are wrong and step by eta (y - y_hat) x = 0.5 (1, 2), b by 0.5; unit 2 is right.
    The second, -x with targets (0, 1, 0): units 1 and 3 give 0.5 (-1 - 4) + 0.5 < 0, right; unit 2
    gives 0, wrong, and steps by 0.5 (-1, -2), b by 0.5."""
    X = np.array([[1.0, 2.0]])
    Y = np.array([[1, 0, 1]])
    model = Perceptron(learning_rate=0.5, max_iter=1, shuffle=False)
    with pytest.warns(ConvergenceWarning):
        model.fit(np.vstack([X, -X]), np.vstack([Y, 1 - Y]))
    np.testing.assert_array_equal(model.coef_[0], [0.5, 1.0])
    np.testing.assert_array_equal(model.coef_[1], [-0.5, -1.0])
    np.testing.assert_array_equal(model.coef_[2], [0.5, 1.0])
    assert model.intercept_.tolist() == [0.5, 0.5, 0.5]


def test_a_2d_target_other_than_an_indicator_matrix_is_refused():
    X = np.zeros((3, 2))
    with pytest.raises(ValueError, match="multi-output target and must hold 0 and 1 only"):
        Perceptron().fit(X, np.array([[0, 2], [1, 0], [2, 1]]))
