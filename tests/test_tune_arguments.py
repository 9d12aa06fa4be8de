"""gn.tune.search: other libraries' estimators and habits, and bad input refused once, in words."""

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
