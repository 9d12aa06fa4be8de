"""glassnet's estimators inside Optuna's scikit-learn search (OptunaSearchCV): a Bayesian search
over an estimator's hyperparameters, as Optuna's users write it."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning

from glassnet.estimators import LinearRegression, MLPClassifier, MLPRegressor

optuna = pytest.importorskip("optuna")
optuna_sklearn = pytest.importorskip("optuna_integration.sklearn")
Float, Categorical = optuna.distributions.FloatDistribution, optuna.distributions.CategoricalDistribution


def _search(estimator, space, X, y, n_trials=4):
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        warnings.simplefilter("ignore", FutureWarning)  # Optuna's own deprecations, inside the search
        search = optuna_sklearn.OptunaSearchCV(estimator, space, n_trials=n_trials, cv=2, random_state=0)
        return search.fit(X, y)


def test_classifier_search_finds_and_refits_the_best_trial():
    X, y = make_classification(160, 6, n_informative=4, random_state=0)
    space = {"alpha": Float(1e-5, 1e-1, log=True), "solver": Categorical(["adam", "sgd"]),
             "learning_rate_init": Float(1e-3, 5e-2, log=True)}
    search = _search(MLPClassifier((8,), max_iter=40, random_state=0), space, X, y)
    scores = [t.value for t in search.trials_ if t.value is not None]
    assert len(search.trials_) == 4 and search.best_score_ == max(scores)
    assert set(search.best_params_) == set(space)
    assert search.best_estimator_.get_params()["solver"] == search.best_params_["solver"]
    assert search.score(X, y) > 0.7 and set(np.unique(search.predict(X))) <= {0, 1}


@pytest.mark.parametrize("estimator", [
    MLPRegressor((8,), learning_rate_init=0.02, max_iter=200, random_state=0),
    LinearRegression(max_iter=200)])
def test_regressor_search_scores_with_r2(estimator):
    X, y = make_regression(120, 4, noise=1.0, random_state=0)
    search = _search(estimator, {"alpha": Float(1e-6, 1e-1, log=True)}, X, (y - y.mean()) / y.std())
    assert np.isfinite(search.best_score_) and search.best_score_ > 0.5
    assert search.predict(X).shape == (120,)
