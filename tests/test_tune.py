"""gn.tune.search: trials, failures, scores, the result and its figures."""

import subprocess
import sys

import numpy as np
import pytest
from matplotlib.figure import Figure
from tune_problems import NoisyBowl, blobs, build_mlp

import glassnet as gn
from glassnet.estimators import LogisticRegression

FIT = {"epochs": 1, "batch_size": 16}


def test_grid_runs_each_combination_once():
    space = {"units": [2, 4, 8], "lr": [0.01, 0.1]}
    result = gn.tune.search(build_mlp, space, data=blobs(), method="grid", cv=2, fit_kwargs=FIT)
    combos = list(zip(result.trials["param_units"], result.trials["param_lr"], strict=True))
    assert len(combos) == 3 * 2
    assert sorted(combos) == sorted((u, lr) for u in space["units"] for lr in space["lr"])
    assert (result.trials["state"] == "complete").all()
    assert result.direction == "minimize" and result.scoring == "loss"
    assert result.best_score == result.trials["mean_score"].min()


@pytest.mark.parametrize("method", ["random", "bayes"])
def test_the_same_seed_gives_the_same_parameters(method):
    space = {"lr": gn.tune.loguniform(1e-3, 1e-1), "units": gn.tune.intuniform(2, 6)}

    def run(seed):
        result = gn.tune.search(build_mlp, space, data=blobs(), method=method, n_trials=6, cv=2, seed=seed,
                                fit_kwargs=FIT)
        return result.trials[["param_lr", "param_units"]].to_numpy().tolist()

    first = run(3)
    assert first == run(3) and first != run(4)


def test_a_failed_trial_is_recorded_with_its_message_and_the_search_goes_on():
    def build(params):
        if params["units"] == 4:
            raise RuntimeError("no room for 4 units")
        return build_mlp(params)

    result = gn.tune.search(build, {"units": [2, 4, 8]}, data=blobs(), cv=2, fit_kwargs=FIT)
    failed = result.trials[result.trials["state"] == "failed"]
    assert failed["param_units"].tolist() == [4]
    assert failed["error"].tolist() == ["RuntimeError: no room for 4 units"]
    assert (result.trials["state"] == "complete").sum() == 2 and result.best_params["units"] in (2, 8)


def test_a_loss_that_becomes_nan_fails_its_trial():
    X, y = blobs()
    result = gn.tune.search(build_mlp, {"lr": [0.01, 1e30]}, data=(X * 1e20, y), cv=2, fit_kwargs=FIT)
    states = dict(zip(result.trials["param_lr"], result.trials["state"], strict=True))
    assert states == {0.01: "complete", 1e30: "failed"}
    assert "the loss became" in result.trials["error"][1]


def test_every_trial_failing_is_an_error_listing_the_first_messages():
    def build(params):
        raise ValueError(f"bad width {params['units']}")

    with pytest.raises(ValueError, match=r"no trial of the search completed \(2 ran\).*width 2.*width 3"):
        gn.tune.search(build, {"units": [2, 3]}, data=blobs(), cv=2)


def test_a_metric_named_by_scoring_is_maximized():
    result = gn.tune.search(build_mlp, {"lr": [0.001, 0.1]}, data=blobs(), cv=2, scoring="accuracy",
                            fit_kwargs={"epochs": 3})
    assert result.direction == "maximize" and result.scoring == "accuracy"
    assert result.best_score == result.trials["mean_score"].max()
    with pytest.raises(ValueError, match=r"scoring='auc' is not a score of this model.*'accuracy', 'loss'"):
        gn.tune.search(build_mlp, {"lr": [0.1]}, data=blobs(), cv=2, scoring="auc", fit_kwargs=FIT)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("build", [LogisticRegression, LogisticRegression(max_iter=20)])
def test_an_estimator_class_or_instance_gets_the_parameters_and_is_scored_by_its_score(build):
    X, y = blobs()
    result = gn.tune.search(build, {"learning_rate": [0.01, 0.5]}, data=(X, y), cv=3)
    assert result.direction == "maximize" and result.scoring == "score"
    max_iter = 1000 if isinstance(build, type) else 20
    folds = gn.data.folds(X, y, 3, seed=0)
    expected = [np.mean([LogisticRegression(learning_rate=lr, max_iter=max_iter).fit(X[tr], y[tr])
                         .score(X[te], y[te]) for tr, te in folds]) for lr in (0.01, 0.5)]
    np.testing.assert_allclose(result.trials["mean_score"], expected, rtol=1e-12)
    model = result.best_model
    assert isinstance(model, LogisticRegression) and model.max_iter == max_iter
    assert model.learning_rate == result.best_params["learning_rate"] and hasattr(model, "coef_")
    assert result.trials["epochs"].gt(0).all()


def build_seeded(params):
    return build_mlp(params, seed=7)


def test_cross_validation_scores_are_the_folds_evaluations():
    X, y = blobs()
    result = gn.tune.search(build_seeded, {"units": [3]}, data=(X, y), cv=3, seed=5, fit_kwargs=FIT)
    losses = []
    for train, held_out in gn.data.folds(X, y, 3, seed=5):
        model = build_mlp({"units": 3}, seed=7)
        model.fit(X[train], y[train], seed=5, verbose=0, **FIT)
        losses.append(model.evaluate(X[held_out], y[held_out], verbose=0, return_dict=True)["loss"])
    assert result.trials["mean_score"][0] == pytest.approx(np.mean(losses), rel=1e-12)
    assert result.trials["std_score"][0] == pytest.approx(np.std(losses), rel=1e-12)


def test_validation_scores_the_best_epoch_and_best_model_repeats_that_training():
    X, y = blobs()
    result = gn.tune.search(build_seeded, {"units": [3, 6]}, data=(X, y), cv="validation",
                            fit_kwargs={"epochs": 3})
    again = build_mlp(result.best_params, seed=7)
    history = again.fit(X, y, epochs=3, validation_split=0.2, seed=0, verbose=0)
    assert result.best_score == min(history.history["val_loss"])
    np.testing.assert_array_equal(result.best_model.predict(X), again.predict(X))


def test_models_built_without_a_seed_start_every_search_from_the_same_weights():
    def run():
        return gn.tune.search(build_mlp, {"units": [2, 3]}, data=blobs(), cv=2, fit_kwargs=FIT).trials

    first = run()
    np.testing.assert_array_equal(first["mean_score"], run()["mean_score"])


def test_result_plots_and_csv(tmp_path):
    result = gn.tune.search(build_mlp, {"units": [2, 4], "lr": [0.01, 0.1]}, data=blobs(), cv=2,
                            fit_kwargs=FIT)
    figures = {figure.get_label(): figure for figure in result.plot(tmp_path)}
    assert set(figures) == {"scores", "heatmap", "history"}
    assert all(isinstance(figure, Figure) for figure in figures.values())
    assert all((tmp_path / f"{name}.png").stat().st_size > 0 for name in figures)
    result.to_csv(tmp_path / "trials.csv")
    import pandas as pd

    written = pd.read_csv(tmp_path / "trials.csv")
    assert list(written.columns) == list(result.trials.columns) and len(written) == 4
    assert result.to_csv() == (tmp_path / "trials.csv").read_text()


def test_bayes_plots_the_parameter_importances():
    space = {"a": gn.tune.uniform(-1, 1), "b": gn.tune.uniform(-1, 1)}
    result = gn.tune.search(NoisyBowl(), space, data=blobs(), method="bayes", n_trials=6, cv=2)
    assert [figure.get_label() for figure in result.plot()] == ["scores", "heatmap", "history", "importances"]


@pytest.mark.parametrize("kwargs, match", [
    ({"method": "anneal"}, "method must be one of 'grid', 'random', 'bayes', got 'anneal'"),
    ({"n_trials": 0}, "n_trials must be a positive integer or None, got 0"),
    ({"cv": "holdout"}, "cv must be a number of folds, a scikit-learn splitter or 'validation', got 'hol"),
    ({"storage": "sqlite:///x.db"}, "give it a study_name= too"),
    ({"backend": "spark"}, "backend must be one of"),
    ({"timeout": -1}, "timeout must be a number of seconds > 0"),
    ({"fit_kwargs": {"seed": 1}}, "fit_kwargs must not hold a seed: every fit is seeded with search's seed="),
    ({"data": (np.zeros((3, 2)), np.zeros(4))}, "X and y must have as many rows, got 3 and 4"),
])
def test_bad_arguments_are_refused_in_words(kwargs, match):
    with pytest.raises(ValueError, match=match):
        gn.tune.search(build_mlp, {"units": [2]}, **{"data": blobs(), **kwargs})


@pytest.mark.parametrize("kwargs, match", [
    ({"build": 3}, r"build must be a function build\(params\) returning a new compiled model, or a scikit"),
    ({"fit_kwargs": [("epochs", 1)]}, "fit_kwargs must be a dict of fit's keywords or a function"),
    ({"data": np.zeros((3, 2))}, r"data must be a pair \(X, y\), got ndarray"),
])
def test_arguments_of_the_wrong_kind_are_type_errors(kwargs, match):
    with pytest.raises(TypeError, match=match):
        gn.tune.search(**{"build": build_mlp, "space": {"units": [2]}, "data": blobs(), **kwargs})


def test_import_glassnet_loads_neither_optuna_nor_dask():
    code = ("import sys, glassnet, glassnet.tune; "
            "print(sorted(m for m in ('optuna', 'dask', 'distributed', 'optuna_integration') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_without_optuna_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "optuna", None)
    with pytest.raises(ImportError, match=r'pip install "glassnet\[tune\]"'):
        gn.tune.search(build_mlp, {"units": [2]}, data=blobs())


def test_fit_kwargs_may_be_a_function_of_the_parameters_and_on_trial_sees_each_trial():
    rows = []
    result = gn.tune.search(build_mlp, {"epochs": [1, 3]}, data=blobs(), cv=2,
                            fit_kwargs=lambda params: {"epochs": params["epochs"]}, on_trial=rows.append)
    assert result.trials["epochs"].tolist() == [2, 6]
    assert [row["param_epochs"] for row in rows] == [1, 3]
    assert [row["mean_score"] for row in rows] == result.trials["mean_score"].tolist()


def test_a_timeout_lets_the_first_trial_start_and_no_other_after_it():
    result = gn.tune.search(build_mlp, {"units": [2, 3, 4]}, data=blobs(), cv=2, timeout=1e-9, fit_kwargs=FIT)
    assert len(result.trials) == 1


@pytest.mark.parametrize("name, spelling", [("n_iter", "n_trials"), ("param_grid", "space"),
                                            ("random_state", "seed"), ("max_trials", "n_trials"),
                                            ("objective", "scoring"), ("n_jobs", "n_workers")])
def test_other_libraries_names_get_glassnets_spelling(name, spelling):
    with pytest.raises(TypeError, match=f"search\\(\\) got {name}=...; glassnet spells it {spelling}"):
        gn.tune.search(build_mlp, {"units": [2]}, data=blobs(), **{name: 1})


def test_keras_tuners_val_names_score_the_held_out_value():
    kwargs = dict(data=blobs(), cv=2, fit_kwargs=FIT)
    keras = gn.tune.search(build_mlp, {"units": [2, 3]}, scoring="val_accuracy", **kwargs)
    plain = gn.tune.search(build_mlp, {"units": [2, 3]}, scoring="accuracy", **kwargs)
    assert keras.direction == "maximize" and keras.scoring == "accuracy"
    np.testing.assert_array_equal(keras.trials["mean_score"], plain.trials["mean_score"])


def test_the_heat_map_holds_each_pairs_mean_score_and_continuous_parameters_are_points():
    space = {"units": [2, 4, 8], "lr": [0.01, 0.1]}
    grid = gn.tune.search(build_mlp, space, data=blobs(), cv=2, fit_kwargs=FIT)
    cells = grid.plot()[1].axes[0].images[0].get_array()
    expected = grid.trials.pivot(index="param_lr", columns="param_units", values="mean_score")
    np.testing.assert_array_equal(cells, expected.to_numpy())
    space = {"units": [2, 4], "lr": gn.tune.loguniform(1e-3, 1e-1)}
    drawn = gn.tune.search(build_mlp, space, data=blobs(), method="random", n_trials=3, cv=2, fit_kwargs=FIT)
    axes = drawn.plot()[1].axes[0]
    assert not axes.images and axes.get_yscale() == "log"
    np.testing.assert_array_equal(axes.collections[0].get_array(), drawn.trials["mean_score"])


def test_optuna_logs_as_before_after_a_search():
    optuna = pytest.importorskip("optuna")
    before = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.INFO)
    try:
        gn.tune.search(build_mlp, {"units": [2]}, data=blobs(), cv=2, fit_kwargs=FIT)
        assert optuna.logging.get_verbosity() == optuna.logging.INFO
    finally:
        optuna.logging.set_verbosity(before)
