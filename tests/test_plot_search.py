"""gn.plot.search_results: score against a hyperparameter and the depth x width heat map, from
scikit-learn's cv_results_ and from glassnet's search results."""

import numpy as np
import pandas as pd
import pytest
from png_checks import check_drawn_png
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier
from tune_problems import blobs

import glassnet as gn

SIZES = [(2,), (4,), (2, 2), (4, 4)]


@pytest.fixture(scope="module")
def grid():
    X, y = blobs(60)
    search = GridSearchCV(MLPClassifier(max_iter=20, random_state=0),
                          {"hidden_layer_sizes": SIZES, "alpha": [1e-4, 1e-1]}, cv=2)
    with pytest.warns(Warning):  # the tiny networks stop before converging
        search.fit(X, y)
    return search.cv_results_


def _cells(fig):
    return fig.axes[1].images[0].get_array().filled(np.nan)


def test_cv_results_score_against_a_parameter_and_the_depth_width_map(grid, tmp_path):
    file = tmp_path / "search.png"
    fig = gn.plot.search_results(grid, "alpha", path=file)
    check_drawn_png(fig, file, 360, 900)
    score = np.asarray(grid["mean_test_score"])
    alpha = np.array([p["alpha"] for p in grid["params"]])
    best_line = fig.axes[0].lines[-1]
    np.testing.assert_array_equal(best_line.get_xdata(), [1e-4, 1e-1])
    np.testing.assert_array_equal(best_line.get_ydata(), [score[alpha == a].max() for a in (1e-4, 1e-1)])
    assert fig.axes[0].get_xscale() == "log"
    sizes = [p["hidden_layer_sizes"] for p in grid["params"]]
    # rows: depth 1, 2; columns: width 2, 4; each cell the best score over alpha
    expected = [[max(s for s, h in zip(score, sizes) if len(h) == depth and h[0] == width)
                 for width in (2, 4)] for depth in (1, 2)]
    np.testing.assert_array_equal(_cells(fig), expected)
    assert fig.axes[1].get_xlabel().startswith("width") and fig.axes[1].get_ylabel().startswith("depth")
    np.testing.assert_array_equal(_cells(gn.plot.search_results(pd.DataFrame(grid), "alpha")), expected)


def test_multi_metric_cv_results_need_a_scoring():
    results = {"params": [{"C": 1}, {"C": 10}], "mean_test_accuracy": [0.8, 0.9], "mean_test_f1": [0.7, 0.6]}
    with pytest.raises(ValueError, match=r"several scores \['accuracy', 'f1'\]: choose one with scoring="):
        gn.plot.search_results(results)
    fig = gn.plot.search_results(results, scoring="f1")
    assert fig.axes[0].get_title() == "f1 against C" and len(fig.axes) == 1  # no layer widths: one panel
    with pytest.raises(ValueError, match="scoring='auc' is not in the cv_results_"):
        gn.plot.search_results(results, scoring="auc")


def _build(params, seed=None):
    layers = [gn.layers.Dense(w, activation="relu") for w in params["hidden"]]
    output = gn.layers.Dense(2, activation="softmax")
    model = gn.Sequential([gn.Input(shape=(2,)), *layers, output], seed=seed)
    model.compile(optimizer=gn.optim.Adam(learning_rate=params["lr"]), loss="sparse_categorical_crossentropy")
    return model


def test_glassnet_search_results_lower_loss_is_better(tmp_path):
    result = gn.tune.search(_build, {"hidden": [[2], [4], [2, 2]], "lr": [0.01, 0.1]}, data=blobs(), cv=2,
                            fit_kwargs={"epochs": 2, "batch_size": 30})
    file = tmp_path / "tuned.png"
    fig = gn.plot.search_results(result, "lr", path=file)
    check_drawn_png(fig, file)
    trials = result.trials
    assert fig.axes[0].get_ylabel() == "loss (lower is better)"
    best = [trials[trials["param_lr"] == lr]["mean_score"].min() for lr in (0.01, 0.1)]
    np.testing.assert_array_equal(fig.axes[0].lines[-1].get_ydata(), best)
    hidden = trials["param_hidden"].map(tuple)
    expected = [[trials[hidden == (2,)]["mean_score"].min(), trials[hidden == (4,)]["mean_score"].min()],
                [trials[hidden == (2, 2)]["mean_score"].min(), np.nan]]
    np.testing.assert_array_equal(_cells(fig), expected)


def test_bad_arguments_are_named(grid):
    with pytest.raises(ValueError, match=r"param='lr' is not a parameter of the search; its parameters are"):
        gn.plot.search_results(grid, "lr")
    with pytest.raises(ValueError, match="hidden='alpha' must name a parameter whose values are layer"):
        gn.plot.search_results(grid, hidden="alpha")
    with pytest.raises(TypeError, match="cv_results_"):
        gn.plot.search_results([0.5, 0.6])
