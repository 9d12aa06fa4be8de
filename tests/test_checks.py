"""The shared checks: finite arrays, sample weights, whether labels can be stratified, the
final activation of a layer, and the users of each."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet import losses
from glassnet._checks import can_stratify, check_finite, check_sample_weight
from glassnet.errors import NonFiniteError
from glassnet.layers.core import final_activation


def test_check_finite_says_how_many_and_where():
    X = np.zeros((5, 4))
    X[1, 2], X[3, 0] = np.nan, np.inf
    message = r"^X holds 2 NaN or inf value\(s\) at rows \[1, 3\], columns \[0, 2\]; impute them$"
    with pytest.raises(ValueError, match=message):
        check_finite("X", X, "impute them")


def test_check_finite_passes_finite_and_integer_arrays_and_raises_the_error_asked_for():
    check_finite("X", np.ones((2, 2)), "")
    check_finite("labels", np.arange(3), "")
    with pytest.raises(NonFiniteError, match=r"y holds 1 NaN or inf value\(s\) at rows \[0\]"):
        check_finite("y", np.array([np.nan, 1.0]), "clean it", NonFiniteError)


@pytest.mark.parametrize("weights, error, message", [
    ([1.0, 2.0], ValueError, r"w must hold one weight per sample \(3\), got shape \(2,\)"),
    ([[1.0, 2.0, 3.0]], ValueError, r"one weight per sample \(3\), got shape \(1, 3\)"),
    ([1.0, -2.0, 1.0], ValueError, r"w holds negative weights \(e.g. \[-2.0\]\)"),
    ([1.0, np.inf, 1.0], ValueError, r"w holds 1 NaN or inf value\(s\) at rows \[1\]"),
    (["a", "b", "c"], TypeError, "w must hold one number per sample"),
])
def test_check_sample_weight_refuses_bad_weights(weights, error, message):
    with pytest.raises(error, match=message):
        check_sample_weight("w", weights, 3, np.float32)


def test_check_sample_weight_accepts_a_column():
    w = check_sample_weight("w", [[1], [0], [2]], 3, np.float32)
    assert w.shape == (3,) and w.dtype == np.float32


@pytest.mark.parametrize("labels, n_test, folds, expected", [
    ([0, 0, 1, 1], 2, 2, True),
    ([0, 0, 1], 1, 2, False),  # class 1 has one sample
    ([0, 0, 1, 1, 2, 2], 2, 2, False),  # a test part of 2 cannot hold 3 classes
    ([0, 0, 1, 1, 2, 2], 4, 2, False),  # nor a training part of 2
    ([0, 0, 0, 1, 1, 1], None, 3, True),
    ([0, 0, 0, 1, 1, 1], None, 4, False),  # 4 folds need 4 samples of each class
])
def test_can_stratify(labels, n_test, folds, expected):
    assert can_stratify(np.array(labels), n_test, folds) is expected


def test_train_test_split_does_not_stratify_when_the_test_part_cannot_hold_every_class():
    X, y = np.arange(24.0).reshape(12, 2), np.repeat(np.arange(6), 2)
    X_train, X_test, y_train, y_test = gn.data.train_test_split(X, y, test_size=0.2, seed=0)
    assert len(X_test) == len(y_test) == 3 and len(X_train) == 9


def test_train_test_split_stratifies_when_it_can():
    X, y = np.arange(40.0).reshape(20, 2), np.repeat([0, 1], 10)
    _, _, _, y_test = gn.data.train_test_split(X, y, test_size=0.4, seed=0)
    assert np.bincount(y_test).tolist() == [4, 4]


def test_mlp_early_stopping_does_not_stratify_when_the_training_part_cannot_hold_every_class():
    from glassnet.estimators import MLPClassifier

    X, y = np.random.default_rng(0).normal(size=(10, 3)), np.repeat(np.arange(5), 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MLPClassifier(hidden_layer_sizes=(4,), early_stopping=True, validation_fraction=0.9,
                              max_iter=2, random_state=0).fit(X, y)
    assert model.n_iter_ >= 1


def test_a_loss_locates_non_finite_predictions():
    message = r"mse: the prediction holds 1 NaN or inf value\(s\) at rows \[1\]"
    with pytest.raises(NonFiniteError, match=message):
        losses.MSE()(gn.tensor([[0.0], [np.nan]]), [[0.0], [1.0]])


def test_final_activation_of_layers():
    class MyDropout(gn.layers.Dropout):
        pass

    assert final_activation(gn.layers.Dense(3, activation="softmax")) == "softmax"
    assert final_activation(gn.layers.Conv2D(2, 3, activation="relu")) == "relu"
    assert final_activation(gn.layers.Activation("tanh")) == "tanh"
    assert final_activation(gn.layers.Dense(3)) is None
    assert final_activation(MyDropout(0.5)) is None


def test_the_command_line_describes_dense_networks_with_any_dropout_by_their_widths():
    from glassnet.cli.network import describe

    class MyDropout(gn.layers.Dropout):
        pass

    model = gn.Sequential([gn.layers.Dense(8, input_dim=4), MyDropout(0.1), gn.layers.Dense(2)])
    assert describe(model).startswith("4-8-2 (")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_softmax_keeps_the_bits_of_its_formula(dtype):
    z = (np.random.default_rng(1).normal(size=(6, 5)) * 10).astype(dtype)
    shifted = z - z.max(axis=-1, keepdims=True)
    expected = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    out = gn.activations.log_softmax(gn.tensor(z, dtype=dtype)).data
    assert out.tobytes() == expected.tobytes()


def test_logistic_regression_probabilities_are_the_softmax_of_its_logits():
    from glassnet.estimators import LogisticRegression

    X = np.random.default_rng(0).normal(size=(30, 2))
    y = np.repeat([0, 1, 2], 10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LogisticRegression(max_iter=20).fit(X, y)
    z = model.decision_function(X)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    assert model.predict_proba(X).tobytes() == (e / e.sum(axis=1, keepdims=True)).tobytes()
    np.testing.assert_allclose(np.exp(model.predict_log_proba(X)), model.predict_proba(X), rtol=1e-12)
