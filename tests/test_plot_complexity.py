"""gn.plot.bias_variance: training and test error against capacity, on the lectures' setup."""

import numpy as np
import pytest
from png_checks import check_drawn_png
from sklearn.model_selection import train_test_split

import glassnet as gn
from glassnet.plot.complexity import lecture_data


def test_lecture_data_is_the_decks_setup():
    x, y = lecture_data()
    state = np.random.RandomState(0)  # the deck: np.random.seed(0); np.random.normal(0, 0.1, 100)
    np.testing.assert_array_equal(x, np.linspace(0, 1, 100))
    np.testing.assert_array_equal(y, x**2 + state.normal(0, 0.1, 100))


def test_polynomial_degrees_on_the_lectures_data(tmp_path):
    file = tmp_path / "bv.png"
    fig, result = gn.plot.bias_variance(complexities=range(10), path=file)
    check_drawn_png(fig, file, 450, 650)
    x, y = lecture_data()
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.5, random_state=0)
    for degree in (0, 2, 9):  # np.polyfit, as the lectures fit
        p = np.polyfit(x_train, y_train, degree)
        splits = ((x_train, y_train), (x_test, y_test))
        train, test = (np.mean((np.polyval(p, a) - b) ** 2) for a, b in splits)
        assert result["train_error"][degree] == pytest.approx(train)
        assert result["test_error"][degree] == pytest.approx(test)
    assert result["best"] == 2  # y = x^2: the true degree generalizes best
    assert result["underfitting"] == [0, 1] and result["overfitting"] == list(range(3, 10))
    assert np.all(np.diff(result["train_error"]) <= 1e-12)  # more capacity never fits the training rows worse
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "underfitting" in texts and "overfitting" in texts


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_network_width_with_any_model():
    from glassnet.estimators import MLPRegressor

    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (60, 1))
    y = np.sin(3 * X[:, 0]) + 0.1 * rng.normal(size=60)
    fig, result = gn.plot.bias_variance(
        X, y, complexities=[1, 8], complexity_name="hidden units",
        make_model=lambda w: MLPRegressor(hidden_layer_sizes=(w,), max_iter=30, random_state=0))
    assert result["complexity"] == [1, 8] and np.all(np.isfinite(result["test_error"]))
    assert fig.axes[0].get_xlabel() == "hidden units"


@pytest.mark.parametrize("kwargs, match", [
    ({"X": [[0.0], [1.0]]}, "give both X and y"),
    ({"complexities": [3]}, "at least two capacities"),
    ({"test_size": 1.5}, "test_size must be a fraction"),
    ({"X": np.zeros((3, 1)), "y": np.zeros(4)}, "different numbers of rows"),
])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        gn.plot.bias_variance(**kwargs)
