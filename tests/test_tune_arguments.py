"""gn.tune.search: other libraries' estimators and habits, and bad input refused once, in words."""

import numpy as np
import pytest
from tune_problems import blobs, build_mlp

import glassnet as gn

FIT = {"epochs": 1, "batch_size": 16}


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_scikit_learn_estimator_whose_n_iter_is_an_array_counts_its_iterations():
    from sklearn.linear_model import LogisticRegression

    X, y = blobs()
    result = gn.tune.search(LogisticRegression, {"C": [0.01, 1.0]}, data=(X, y), cv=2)
    assert (result.trials["state"] == "complete").all()
    assert result.trials["epochs"].gt(0).all()


@pytest.mark.parametrize("storage", ["study.db", "sqlite:////no/such/folder/study.db"])
def test_a_storage_that_cannot_be_opened_is_refused_naming_it(storage):
    with pytest.raises(ValueError, match=f"storage='{storage}' could not be opened .*'sqlite:///study.db'"):
        gn.tune.search(build_mlp, {"units": [2]}, data=blobs(), cv=2, fit_kwargs=FIT, storage=storage,
                       study_name="s")


@pytest.mark.parametrize("name, value, spelling", [
    ("direction", "maximize", "scoring: the direction follows it"),
    ("max_epochs", 10, r"fit_kwargs=\{'epochs': ...\}"),
    ("project_name", "p", "study_name"),
    ("verbose", 1, r"on_trial=print \(called with each finished trial's row\)"),
    ("X", np.zeros((3, 2)), r"data=\(X, y\)"),
])
def test_optuna_keras_tuner_and_scikit_learn_habits_get_glassnets_spelling(name, value, spelling):
    with pytest.raises(TypeError, match=f"search\\(\\) got {name}=...; glassnet spells it {spelling}"):
        gn.tune.search(build_mlp, {"units": [2]}, data=blobs(), **{name: value})


@pytest.mark.parametrize("name, value, why", [
    ("catch", (ValueError,), "a trial that raises is recorded as failed with its message"),
    ("error_score", np.nan, "a trial that raises is recorded as failed with its message"),
    ("load_if_exists", True, "the study_name of a stored search resumes it"),
])
def test_habits_glassnet_needs_not_say_why(name, value, why):
    with pytest.raises(TypeError, match=f"search\\(\\) got {name}=...; glassnet needs no {name}: .*{why}"):
        gn.tune.search(build_mlp, {"units": [2]}, data=blobs(), **{name: value})


def uncompiled(params: dict) -> gn.Sequential:
    return gn.Sequential([gn.Input(shape=(2,)), gn.layers.Dense(2)])


@pytest.mark.parametrize("build", [uncompiled, lambda params: 42])
def test_a_build_that_returns_no_compiled_model_is_refused_at_once(build):
    calls = []
    with pytest.raises(TypeError, match=r"build\(params\) must return a compiled glassnet model \(call "
                                        r"model.compile\(...\) in it\)"):
        gn.tune.search(build, {"units": [2, 3]}, data=blobs(), cv=2, fit_kwargs=FIT, on_trial=calls.append)
    assert calls == []


@pytest.mark.parametrize("where", ["X", "y"])
def test_data_holding_nan_is_refused_once_before_any_trial(where):
    X, y = blobs()
    X, y = X.copy(), y.astype("float32")
    (X if where == "X" else y)[3] = np.nan
    calls = []
    with pytest.raises(ValueError,
                       match=f"data {where} holds .* NaN or inf value.* rows \\[3\\].*; drop those"):
        gn.tune.search(build_mlp, {"units": [2, 3]}, data=(X, y), cv=2, fit_kwargs=FIT, on_trial=calls.append)
    assert calls == []


@pytest.mark.parametrize("seed, error", [(-1, ValueError), (None, TypeError), (1.5, TypeError)])
def test_the_seed_of_a_search_is_required_and_the_error_offers_no_none(seed, error):
    with pytest.raises(error, match="seed must be a non-negative integer, got"):
        gn.tune.search(build_mlp, {"units": [2]}, data=blobs(), seed=seed)


def test_a_grid_smaller_than_n_trials_is_run_once_with_a_warning_and_a_larger_one_is_cut():
    kwargs = dict(data=blobs(), cv=2, fit_kwargs=FIT)
    with pytest.warns(UserWarning, match="grid search: the space has 2 combinations, fewer than n_trials=5"):
        result = gn.tune.search(build_mlp, {"units": [2, 3]}, n_trials=5, **kwargs)
    assert result.trials["param_units"].tolist() == [2, 3]
    first = gn.tune.search(build_mlp, {"units": [2, 3, 4]}, n_trials=2, **kwargs)
    assert first.trials["param_units"].tolist() == [2, 3]


def test_a_study_name_without_storage_names_the_study_and_warns_that_it_cannot_be_resumed():
    with pytest.warns(UserWarning, match="study_name='s' without storage= names a study kept in memory only"):
        result = gn.tune.search(build_mlp, {"units": [2]}, data=blobs(), cv=2, fit_kwargs=FIT, study_name="s")
    assert result.study.study_name == "s"


def optuna_objective(trial):
    return build_mlp({"lr": trial.suggest_float("lr", 1e-3, 1e-1, log=True)})


def keras_tuner_build(hp):
    return build_mlp({"units": hp.Int("units", 2, 8)})


@pytest.mark.parametrize("objective", [optuna_objective, keras_tuner_build])
def test_an_optuna_objective_or_keras_tuner_build_is_told_that_build_gets_a_dict_of_parameters(objective):
    with pytest.raises(TypeError, match=r"build gets a dict of the parameters \(params\['lr'\]\), not an "
                                        r"Optuna trial or a Keras Tuner hp .*gn.tune.loguniform"):
        gn.tune.search(objective, {"lr": [0.01]}, data=blobs(), cv=2, fit_kwargs=FIT)


@pytest.mark.parametrize("scoring, error, match", [
    (["accuracy", "loss"], TypeError, "scoring must be one score"),
    ({"acc": "accuracy"}, TypeError, "scoring must be one score"),
    ("", ValueError, "scoring must be the name of a score"),
    (3, ValueError, "scoring must be the name of a score"),
])
def test_scoring_is_one_name_or_a_callable(scoring, error, match):
    with pytest.raises(error, match=match):
        gn.tune.search(build_mlp, {"units": [2]}, data=blobs(), cv=2, fit_kwargs=FIT, scoring=scoring)


def test_an_estimators_scoring_that_is_no_scikit_learn_scorer_is_refused_before_any_trial():
    from glassnet.estimators import LogisticRegression

    with pytest.raises(ValueError, match="scoring='acc' is not a scikit-learn scorer name.*get_scorer_names"):
        gn.tune.search(LogisticRegression, {"learning_rate": [0.1]}, data=blobs(), cv=2, scoring="acc")


@pytest.mark.parametrize("scoring", ["f1", "val_f1"])
def test_a_score_the_model_does_not_compute_is_refused_before_any_trial(scoring):
    calls = []
    with pytest.raises(ValueError, match=r"scoring='f1' is not a score of this model; model.evaluate\(...\) "
                                         r"gives \['accuracy', 'loss'\] \(add the metric in model.compile"):
        gn.tune.search(build_mlp, {"units": [2]}, data=blobs(), cv=2, fit_kwargs=FIT, scoring=scoring,
                       on_trial=calls.append)
    assert calls == []


def test_cv_may_be_the_folds_themselves_as_scikit_learn_takes_them():
    from sklearn.model_selection import GroupKFold

    X, y = blobs()
    groups = np.arange(len(y)) % 3
    folds = list(GroupKFold(3).split(X, y, groups))
    result = gn.tune.search(build_mlp, {"units": [2]}, data=(X, y), cv=folds, fit_kwargs=FIT)
    assert (result.trials["state"] == "complete").all()
    with pytest.raises(ValueError, match=r"cv=GroupKFold\(n_splits=3.*\) needs groups .*give the folds "
                                         r"themselves: cv=list\(splitter.split\(X, y, groups\)\)"):
        gn.tune.search(build_mlp, {"units": [2]}, data=(X, y), cv=GroupKFold(3), fit_kwargs=FIT)


@pytest.mark.parametrize("cv, match", [
    ([], "give at least one fold"), ([(0, 1)], "fold 0 must hold non-empty"),
    ([([0, 1], [200])], r"indices in \[0, 90\)"), ([[0]], "must be a pair"),
])
def test_bad_folds_are_refused_naming_the_fold(cv, match):
    with pytest.raises(ValueError, match=match):
        gn.tune.search(build_mlp, {"units": [2]}, data=blobs(), cv=cv, fit_kwargs=FIT)


def test_cv_validation_with_an_estimator_is_refused_before_any_trial():
    from glassnet.estimators import LogisticRegression

    with pytest.raises(ValueError, match=r"^cv='validation' needs a glassnet model"):
        gn.tune.search(LogisticRegression, {"learning_rate": [0.1]}, data=blobs(), cv="validation")


def test_x_and_y_given_as_two_arguments_are_told_to_be_one_pair():
    X, y = blobs()
    with pytest.raises(TypeError, match=r"got a ndarray: give the data as one pair, search\(build, space, "
                                        r"data=\(X, y\)\)"):
        gn.tune.search(build_mlp, {"units": [2]}, X, y)
