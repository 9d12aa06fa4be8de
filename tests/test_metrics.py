"""Metrics by name, against scikit-learn, for integer labels, one-hot rows and model outputs."""

import numpy as np
import pytest
from sklearn import metrics as skm

import glassnet as gn

RNG = np.random.default_rng(0)
LABELS = RNG.integers(0, 3, 60)
PROBS = RNG.dirichlet(np.ones(3), 60)
BINARY = RNG.integers(0, 2, 60)
SCORES = RNG.random(60)


@pytest.mark.parametrize("name, reference", [
    ("accuracy", lambda t, p: skm.accuracy_score(t, p.argmax(1))),
    ("precision", lambda t, p: skm.precision_score(t, p.argmax(1), average="macro", zero_division=0)),
    ("recall", lambda t, p: skm.recall_score(t, p.argmax(1), average="macro", zero_division=0)),
    ("f1", lambda t, p: skm.f1_score(t, p.argmax(1), average="macro", zero_division=0)),
    ("auc", lambda t, p: skm.roc_auc_score(t, p, multi_class="ovr")),
])
def test_multiclass_metrics_match_sklearn_for_labels_and_one_hot(name, reference):
    fn = gn.metrics.get(name)
    expected = reference(LABELS, PROBS)
    assert fn(LABELS, PROBS) == pytest.approx(expected)
    assert fn(np.eye(3)[LABELS], PROBS) == pytest.approx(expected)


@pytest.mark.parametrize("name, reference", [
    ("accuracy", lambda t, s: skm.accuracy_score(t, s > 0.5)),
    ("precision", lambda t, s: skm.precision_score(t, s > 0.5)),
    ("recall", lambda t, s: skm.recall_score(t, s > 0.5)),
    ("f1", lambda t, s: skm.f1_score(t, s > 0.5)),
    ("auc", skm.roc_auc_score),
])
def test_binary_metrics_on_sigmoid_outputs(name, reference):
    assert gn.metrics.get(name)(BINARY, SCORES[:, None]) == pytest.approx(reference(BINARY, SCORES))


@pytest.mark.parametrize("name, reference", [
    ("mae", skm.mean_absolute_error), ("mse", skm.mean_squared_error),
    ("rmse", skm.root_mean_squared_error), ("r2", skm.r2_score),
])
def test_regression_metrics_match_sklearn(name, reference):
    y = RNG.normal(size=(40, 2))
    pred = y + RNG.normal(scale=0.3, size=(40, 2))
    assert gn.metrics.get(name)(y, pred) == pytest.approx(reference(y, pred))
    assert gn.metrics.get(name)(y[:, 0], pred[:, :1]) == pytest.approx(reference(y[:, 0], pred[:, 0]))


def test_unknown_metric_lists_the_valid_names():
    with pytest.raises(ValueError, match="unknown metric 'acc_score'.*'accuracy'.*'r2'"):
        gn.metrics.get("acc_score")


def test_fit_logs_every_requested_metric():
    X = RNG.normal(size=(80, 4))
    y = (X[:, 0] > 0).astype(int)
    model = gn.Sequential([gn.layers.Dense(2, activation="softmax", input_dim=4)], seed=0)
    names = ["accuracy", "precision", "recall", "f1", "auc"]
    model.compile(optimizer="adam", loss="cross_entropy", metrics=names)
    hist = model.fit(X, y, epochs=2, validation_split=0.25, verbose=0, seed=0)
    assert set(names) <= set(hist.history)
    assert {"val_accuracy", "val_auc"} <= set(hist.history)
    probs = model.predict(X)
    assert model.evaluate(X, y, return_dict=True)["auc"] == pytest.approx(skm.roc_auc_score(y, probs[:, 1]))
