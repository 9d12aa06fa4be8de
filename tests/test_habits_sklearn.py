"""scikit-learn habits: the estimators used as scikit-learn's users write them, compared with
scikit-learn's own estimators on the same data."""

import warnings

import numpy as np
import pytest
from sklearn import datasets
from sklearn import linear_model as sk_linear
from sklearn import neural_network as sk
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.utils.estimator_checks import check_estimator
from threadpoolctl import threadpool_limits

import glassnet.estimators
from glassnet.estimators import MLPClassifier, MLPRegressor, Perceptron


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """scikit-learn's MLP on many BLAS threads is slow on a busy machine; the numbers are the same."""
    with threadpool_limits(1):
        yield


def _digits_split():
    X, y = datasets.load_digits(return_X_y=True)
    return train_test_split(X, y, random_state=0, stratify=y)


def _mean_score(make, X_train, X_test, y_train, y_test, seeds=(0, 1, 2)):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return np.mean([make(seed).fit(X_train, y_train).score(X_test, y_test) for seed in seeds])


# ------------------------------------------------------------------ the estimator contract
@pytest.mark.parametrize("name", glassnet.estimators.__all__)
def test_check_estimator_at_the_default_settings(name):
    check_estimator(getattr(glassnet.estimators, name)())


def _fitted_arrays(estimator):
    for attribute in ("coefs_", "coef_", "centers_"):
        if hasattr(estimator, attribute):
            value = getattr(estimator, attribute)
            return value if isinstance(value, list) else [value]
    raise AssertionError(f"no fitted weights on {estimator!r}")


@pytest.mark.parametrize("name", glassnet.estimators.__all__)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_estimator_computes_in_the_dtype_of_x(name, dtype):
    X, y = datasets.make_classification(n_samples=60, n_features=4, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted = getattr(glassnet.estimators, name)().fit(X.astype(dtype), y)
    assert all(array.dtype == dtype for array in _fitted_arrays(fitted))


def test_mlp_dtype_follows_x_unless_forced():
    X, y = datasets.make_classification(n_samples=60, n_features=4, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        single = MLPClassifier(max_iter=5).fit(X.astype(np.float32), y)
        assert single.model_.dtype == np.float32
        assert MLPClassifier(max_iter=5).fit(X.astype(int), y).model_.dtype == np.float64
        forced = MLPRegressor(max_iter=5, dtype="float32").fit(X, y.astype(float))
        assert forced.model_.dtype == np.float32 and forced.predict(X).dtype == np.float64
        single.set_params(warm_start=True).fit(X, y)            # continues in float32
        assert single.model_.dtype == np.float32 and single.n_iter_ == 5
        assert single.predict_proba(X.astype(np.float64)).shape == (60, 2)


# ---------------------------------------------------------------------------- MLPClassifier
@pytest.mark.parametrize(("ours", "theirs"), [(MLPClassifier, sk.MLPClassifier),
                                               (MLPRegressor, sk.MLPRegressor)])
def test_every_keyword_of_sklearns_mlp_with_its_default(ours, theirs):
    mine, reference = ours().get_params(), theirs().get_params()
    assert {name: mine[name] for name in reference} == reference


def test_user_guide_lbfgs_example():
    X, y = [[0.0, 0.0], [1.0, 1.0]], [0, 1]
    clf = MLPClassifier(solver="lbfgs", alpha=1e-5, hidden_layer_sizes=(5, 2), random_state=1)
    clf.fit(X, y)
    reference = sk.MLPClassifier(solver="lbfgs", alpha=1e-5, hidden_layer_sizes=(5, 2),
                                 random_state=1).fit(X, y)
    np.testing.assert_array_equal(clf.predict([[2.0, 2.0], [-1.0, -2.0]]),
                                  reference.predict([[2.0, 2.0], [-1.0, -2.0]]))
    assert [coef.shape for coef in clf.coefs_] == [coef.shape for coef in reference.coefs_]
    assert not hasattr(clf, "partial_fit") and not hasattr(reference, "partial_fit")


@pytest.mark.parametrize(("cls", "theirs", "loader"), [
    (MLPClassifier, sk.MLPClassifier, datasets.load_breast_cancer),
    (MLPRegressor, sk.MLPRegressor, datasets.load_diabetes),
])
def test_lbfgs_scores_within_two_points_of_sklearn(cls, theirs, loader):
    X, y = loader(return_X_y=True)
    if cls is MLPRegressor:
        y = (y - y.mean()) / y.std()
    split = train_test_split(X, y, random_state=0)
    params = dict(solver="lbfgs", hidden_layer_sizes=(16,), alpha=1.0, max_iter=100)
    ours = _mean_score(lambda s: make_pipeline(StandardScaler(), cls(random_state=s, **params)), *split)
    reference = _mean_score(lambda s: make_pipeline(StandardScaler(), theirs(random_state=s, **params)),
                            *split)
    assert abs(ours - reference) <= 0.02, (ours, reference)


def test_sgd_takes_momentum_by_default():
    # scikit-learn's "sgd" is SGD with momentum 0.9 and Nesterov's look-ahead: after 20 epochs on
    # the digits, both libraries are at the same accuracy (plain SGD is far behind).
    split = _digits_split()
    ours = _mean_score(lambda s: make_pipeline(StandardScaler(), MLPClassifier(
        solver="sgd", max_iter=20, random_state=s)), *split)
    reference = _mean_score(lambda s: make_pipeline(StandardScaler(), sk.MLPClassifier(
        solver="sgd", max_iter=20, random_state=s)), *split)
    plain = _mean_score(lambda s: make_pipeline(StandardScaler(), MLPClassifier(
        solver="sgd", momentum=0.0, max_iter=20, random_state=s)), *split)
    assert abs(ours - reference) <= 0.05, (ours, reference)
    assert plain < ours - 0.2


STRATEGIES = [
    {"solver": "sgd", "learning_rate": "constant", "momentum": 0, "learning_rate_init": 0.2},
    {"solver": "sgd", "learning_rate": "constant", "momentum": 0.9, "nesterovs_momentum": False,
     "learning_rate_init": 0.2},
    {"solver": "sgd", "learning_rate": "constant", "momentum": 0.9, "nesterovs_momentum": True,
     "learning_rate_init": 0.2},
    {"solver": "sgd", "learning_rate": "invscaling", "momentum": 0, "learning_rate_init": 0.2},
    {"solver": "sgd", "learning_rate": "invscaling", "momentum": 0.9, "nesterovs_momentum": False,
     "learning_rate_init": 0.2},
    {"solver": "sgd", "learning_rate": "invscaling", "momentum": 0.9, "nesterovs_momentum": True,
     "learning_rate_init": 0.2},
    {"solver": "adam", "learning_rate_init": 0.01},
]


def test_compare_stochastic_learning_strategies():
    # scikit-learn's gallery example: seven strategies on the digits scaled to [0, 1], 15 epochs
    # each; every strategy's training accuracy is within 0.1 of scikit-learn's.
    X, y = datasets.load_digits(return_X_y=True)
    X = MinMaxScaler().fit_transform(X)
    for param in STRATEGIES:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=ConvergenceWarning)
            mlp = MLPClassifier(random_state=0, max_iter=15, **param).fit(X, y)
            reference = sk.MLPClassifier(random_state=0, max_iter=15, **param).fit(X, y)
        assert len(mlp.loss_curve_) == mlp.n_iter_ == 15
        assert abs(mlp.score(X, y) - reference.score(X, y)) <= 0.1, (param, mlp.score(X, y),
                                                                      reference.score(X, y))


def test_attributes_users_read_are_sklearns():
    X, y = datasets.load_iris(return_X_y=True)
    Y = np.column_stack([y == 0, y == 2]).astype(int)
    for targets in (y, y == 2, Y):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            ours = MLPClassifier((7, 5), max_iter=12, random_state=0).fit(X, targets)
            theirs = sk.MLPClassifier((7, 5), max_iter=12, random_state=0).fit(X, targets)
        for name in ("n_layers_", "n_outputs_", "out_activation_", "n_features_in_", "t_", "n_iter_"):
            assert getattr(ours, name) == getattr(theirs, name), name
        np.testing.assert_array_equal(ours.classes_, theirs.classes_)
        assert [c.shape for c in ours.coefs_] == [c.shape for c in theirs.coefs_]
        assert [b.shape for b in ours.intercepts_] == [b.shape for b in theirs.intercepts_]
        assert len(ours.loss_curve_) == len(theirs.loss_curve_) and ours.loss_ == ours.loss_curve_[-1]
        assert ours.best_loss_ == min(ours.loss_curve_)


def test_adam_keywords_reach_the_optimizer():
    X, y = datasets.load_iris(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPClassifier(beta_1=0.8, beta_2=0.99, epsilon=1e-6, max_iter=3).fit(X, y)
    optimizer = model.model_.optimizer
    assert (optimizer.beta1, optimizer.beta2, optimizer.epsilon) == (0.8, 0.99, 1e-6)


@pytest.mark.parametrize("learning_rate", ["invscaling", "adaptive"])
def test_adam_keeps_its_rate_as_in_sklearn(learning_rate):
    # scikit-learn's learning_rate rules act on "sgd" only: "adam" ignores them.
    X, y = datasets.load_iris(return_X_y=True)
    fits = {}
    for rule in ("constant", learning_rate):
        for cls in (MLPClassifier, sk.MLPClassifier):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                fits[cls, rule] = cls((8,), learning_rate=rule, max_iter=300, n_iter_no_change=3,
                                      tol=1e-2, random_state=0).fit(X, y)
    for cls in (MLPClassifier, sk.MLPClassifier):
        assert fits[cls, learning_rate].loss_curve_ == fits[cls, "constant"].loss_curve_


def test_grid_search_over_sklearns_keywords():
    X, y = datasets.load_iris(return_X_y=True)
    grid = {"solver": ["sgd", "lbfgs"], "momentum": [0.5, 0.9], "nesterovs_momentum": [False]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GridSearchCV(make_pipeline(StandardScaler(), MLPClassifier((8,), max_iter=50,
                                                                            random_state=0)),
                              {f"mlpclassifier__{k}": v for k, v in grid.items()}, cv=3).fit(X, y)
    assert search.best_score_ > 0.85


# ------------------------------------------------------------------------------- Perceptron
def test_perceptron_on_the_digits_is_within_three_points_of_sklearn():
    split = _digits_split()
    ours = _mean_score(lambda s: Perceptron(random_state=s), *split)
    reference = _mean_score(lambda s: sk_linear.Perceptron(random_state=s), *split)
    assert abs(ours - reference) <= 0.03, (ours, reference)
    model = Perceptron(random_state=0).fit(split[0], split[2])
    assert model.coef_.shape == (10, 64) and model.decision_function(split[1]).shape == (len(split[1]), 10)


def test_perceptron_takes_eta0_for_its_step_size():
    X, y = datasets.load_iris(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ppn = Perceptron(max_iter=40, eta0=0.1, random_state=1).fit(X, y)
        same = Perceptron(max_iter=40, learning_rate=0.1, random_state=1).fit(X, y)
    np.testing.assert_array_equal(ppn.coef_, same.coef_)
    assert clone(ppn).get_params()["eta0"] == 0.1
    with pytest.raises(ValueError, match="learning_rate=0.5 and eta0=0.1, two names of one step size"):
        Perceptron(eta0=0.1, learning_rate=0.5).fit(X, y)


@pytest.mark.parametrize("make, keywords, says", [
    ("LogisticRegression", {"C": 10.0}, r"C \(glassnet: alpha = 1 / C"),
    ("Perceptron", {"eta0": 1.0, "penalty": "l2"}, r"does not take penalty; it takes learning_rate"),
    ("LinearRegression", {"lr": 0.1}, r"lr \(glassnet: learning_rate\)"),
    ("MLPRegressor", {"lr": 0.01}, r"lr \(glassnet: learning_rate_init\)"),
    ("MLPClassifier", {"eta0": 0.01}, r"eta0 \(glassnet: learning_rate_init\)"),
    ("MLPClassifier", {"n_jobs": 2}, r"n_jobs \(glassnet: one process per estimator"),
    ("MLPRegressor", {"hidden_layer": (8,)}, r"does not take hidden_layer; it takes hidden_layer_sizes"),
    ("BayesianLinearRegression", {"alpha_1": 1e-6}, r"does not take alpha_1; it takes alpha, lambda_"),
    ("GaussianBasis", {"n_centers": 5}, r"does not take n_centers; it takes centers, width"),
])
def test_a_keyword_an_estimator_does_not_take_is_refused_naming_what_it_takes(make, keywords, says):
    from glassnet import estimators

    with pytest.raises(TypeError, match=says):
        getattr(estimators, make)(**keywords)


def test_the_keyword_check_keeps_clone_and_pickle_working():
    import pickle

    from glassnet.estimators import LogisticRegression

    model = LogisticRegression(alpha=0.5, max_iter=3)
    assert clone(model).get_params() == model.get_params()
    assert pickle.loads(pickle.dumps(model)).get_params() == model.get_params()
