"""Every argument of fit is checked before training, in glassnet's words: the argument, the
value received and what is accepted; finite values beyond float32's range are named."""

import numpy as np
import pytest

import glassnet as gn
from glassnet.layers import Dense

RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 3))
Y = (X[:, 0] > 0).astype(int)


class _NoTraining(gn.callbacks.Callback):
    def on_train_begin(self, logs=None):
        raise AssertionError("training started")


def _model(loss="sparse_categorical_crossentropy", units=2, activation="softmax", dtype=np.float32):
    model = gn.Sequential([Dense(units, activation=activation, input_dim=3)], seed=0, dtype=dtype)
    model.compile(optimizer="adam", loss=loss)
    return model


def _fit(model=None, X=X, y=Y, **kwargs):
    kwargs.setdefault("callbacks", [_NoTraining()])
    kwargs.setdefault("verbose", 0)
    return (model or _model()).fit(X, y, epochs=kwargs.pop("epochs", 1), **kwargs)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"validation_split": "0.2"}, TypeError, r"validation_split must be a number in \[0, 1\), got '0.2'"),
    ({"validation_split": 1.0}, ValueError, r"validation_split must be in \[0, 1\).*1.0"),
    ({"validation_split": -0.1}, ValueError, r"validation_split must be in \[0, 1\)"),
    ({"validation_split": float("nan")}, ValueError, r"validation_split must be in \[0, 1\)"),
    ({"validation_split": True}, TypeError, "validation_split must be a number"),
    ({"validation_split_mode": "first"}, ValueError, "validation_split_mode must be 'random' or 'last'"),
    ({"shuffle": "batch"}, TypeError, "shuffle must be True or False, got 'batch'"),
    ({"shuffle": None}, TypeError, "shuffle must be True or False"),
    ({"track_gradients": 1}, TypeError, "track_gradients must be True or False"),
    ({"seed": 1.5}, TypeError, r"seed must be a non-negative integer or None, got 1.5"),
    ({"seed": "0"}, TypeError, "seed must be a non-negative integer or None"),
    ({"seed": -1}, ValueError, "seed must be a non-negative integer or None, got -1"),
    ({"initial_epoch": 1}, ValueError, r"initial_epoch must be an integer in \[0, epochs\) = \[0, 1\), got"),
    ({"initial_epoch": -1}, ValueError, r"initial_epoch must be an integer in \[0, epochs\)"),
    ({"initial_epoch": 0.5}, ValueError, r"initial_epoch must be an integer"),
    ({"epochs": 0}, ValueError, "epochs must be a positive integer, got 0"),
    ({"epochs": 2.0}, ValueError, "epochs must be a positive integer"),
    ({"batch_size": 0}, ValueError, "batch_size must be a positive integer or None"),
    ({"verbose": 3}, ValueError, r"verbose must be 0 \(silent\), 1 or 2, got 3"),
    ({"callbacks": gn.callbacks.History()}, TypeError, r"callbacks must be a list.*callbacks=\[History"),
    ({"callbacks": "EarlyStopping"}, TypeError, "callbacks must be a list of Callback objects, got str"),
    ({"callbacks": [lambda epoch: None]}, TypeError, "which is not a glassnet Callback.*gn.callbacks"),
    ({"class_weight": {0: -1.0, 1: 1.0}}, ValueError, r"class_weight\[0\] = -1.0.*finite and >= 0"),
    ({"class_weight": {0: np.inf}}, ValueError, r"class_weight\[0\] = inf"),
    ({"class_weight": {0: float("nan")}}, ValueError, r"class_weight\[0\] = nan"),
    ({"class_weight": {0: "2"}}, TypeError, r"class_weight\[0\] must be a number, got '2'"),
    ({"class_weight": "auto"}, TypeError, "class_weight must be a dict {class: weight} or 'balanced'"),
    ({"class_weight": [1.0, 2.0]}, TypeError, "class_weight must be a dict"),
    ({"class_weight": {5: 1.0}}, ValueError, r"class_weight names classes \[5\] that are not in y"),
    ({"class_weight": {0: 0.0, 1: 0.0}}, ValueError, "every sample has weight 0"),
    ({"sample_weight": np.ones(39)}, ValueError, r"sample_weight must hold one weight per sample \(40\)"),
    ({"sample_weight": np.ones((40, 2))}, ValueError, "one weight per sample"),
    ({"sample_weight": -np.ones(40)}, ValueError, "sample_weight holds negative weights"),
    ({"sample_weight": np.r_[np.nan, np.ones(39)]}, ValueError, r"sample_weight holds 1 NaN or inf"),
    ({"sample_weight": np.zeros(40)}, ValueError, "every sample has weight 0"),
    ({"sample_weight": ["a"] * 40}, TypeError, "sample_weight could not be converted to a numeric array"),
    ({"validation_data": X}, ValueError, r"validation_data must be a tuple \(X_val, y_val\)"),
    ({"validation_data": (X,)}, ValueError, r"validation_data must be a tuple.*of length 1"),
    ({"validation_data": (X, None)}, ValueError, "validation_data holds None"),
    ({"validation_data": (X[:, :2], Y)}, ValueError, r"validation_data X has samples of shape \(2,\)"),
    ({"validation_data": (X, Y[:10])}, ValueError, "different numbers of samples: 40 and 10"),
    ({"validation_data": (X, Y + 5)}, ValueError, "labels outside the output size"),
    ({"validation_data": (X, Y, -np.ones(40))}, ValueError, "validation_data sample_weight holds negative"),
    ({"validation_data": (np.full_like(X, np.nan), Y)}, ValueError, "validation_data X holds 120 NaN"),
])
def test_bad_fit_arguments_are_refused_before_training(kwargs, error, message):
    model = _model()
    before = [p.data.copy() for p in model.parameters()]
    with pytest.raises(error, match=message):
        _fit(model, **kwargs)
    for p, b in zip(model.parameters(), before):
        np.testing.assert_array_equal(p.data, b)


@pytest.mark.parametrize("kwargs", [
    {"validation_split": 0}, {"validation_split": np.float32(0.25)}, {"shuffle": np.bool_(False)},
    {"seed": np.int64(3)}, {"initial_epoch": 1, "epochs": 2}, {"callbacks": ()}, {"class_weight": "balanced"},
    {"class_weight": {0: 0.0, 1: 2.0}}, {"sample_weight": np.ones((40, 1))}, {"verbose": "auto"},
    {"validation_data": [X, Y.astype(float)]}, {"validation_data": (X, Y[:, None], np.ones(40))},
    {"validation_split_mode": "last", "validation_split": 0.2},
])
def test_good_fit_arguments_are_accepted(kwargs, capsys):
    kwargs.setdefault("callbacks", None)
    history = _fit(**kwargs)
    assert np.isfinite(history.history["loss"]).all()


def test_a_negative_class_weight_no_longer_makes_the_loss_negative():
    with pytest.raises(ValueError, match="finite and >= 0"):
        _fit(class_weight={0: -5.0, 1: 1.0}, callbacks=None)


def test_a_finite_feature_beyond_float32_is_named_as_such():
    Xbig = X.copy()
    Xbig[7, 2] = 1e300
    model = _model()
    for call in (lambda: _fit(model, X=Xbig), lambda: model.predict(Xbig),
                 lambda: model.evaluate(Xbig, Y, verbose=0), lambda: _fit(model, validation_data=(Xbig, Y))):
        with pytest.raises(ValueError, match=r"finite value\(s\) outside the range of float32.*1e\+300 at "
                                             r"row 7 column 2.*scal.*float64") as info:
            call()
        assert "NaN" not in str(info.value)
    float64 = _model(dtype=np.float64)
    assert np.isfinite(float64.predict(Xbig)).any()


def test_targets_and_weights_beyond_float32_are_named_as_such():
    y = X[:, :1].copy()
    y[3, 0] = -1e300
    regression = _model(loss="mse", units=1, activation=None)
    with pytest.raises(ValueError, match=r"y holds 1 finite value\(s\) outside the range of float32.*row 3"):
        _fit(regression, y=y)
    weights = np.ones(40)
    weights[5] = 1e300
    with pytest.raises(ValueError, match=r"sample_weight holds 1 finite value\(s\) outside.*row 5"):
        _fit(sample_weight=weights)
    with pytest.raises(ValueError, match=r"class_weight holds .* outside the range of float32"):
        _fit(class_weight={0: 1e300})


def test_nan_is_still_called_nan():
    bad = X.copy()
    bad[2, 1] = np.nan
    with pytest.raises(ValueError, match=r"X holds 1 NaN or inf value\(s\) at rows \[2\], columns \[1\]"):
        _fit(X=bad)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"seed": "0"}, TypeError, "seed must be a non-negative integer or None, got '0'"),
    ({"seed": -3}, ValueError, "seed must be a non-negative integer or None, got -3"),
    ({"verbose": 5}, ValueError, r"verbose must be 0 \(silent\), 1 or 2, got 5"),
])
def test_cross_validate_checks_seed_and_verbose_before_the_first_fold(kwargs, error, message):
    with pytest.raises(error, match=message):
        gn.cross_validate(_model, X, Y, cv=2, epochs=1, **kwargs)


def test_cross_validate_scores_float_labels_like_integer_ones():
    def build():
        model = _model()
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy", "f1"])
        return model

    ints = gn.cross_validate(build, X, Y, cv=3, seed=0, epochs=2)
    floats = gn.cross_validate(build, X, Y.astype(np.float32), cv=3, seed=0, epochs=2)
    assert floats.folds == ints.folds


def test_a_batch_whose_samples_all_weigh_zero_counts_for_nothing():
    """class_weight 0 for a class, and a batch holding only that class: a loss of 0 and no
    gradient for that batch (as Keras), not an error in the middle of training."""
    y = np.r_[np.zeros(8, int), np.ones(32, int)]
    history = _fit(y=y, batch_size=8, shuffle=False, class_weight={0: 0.0, 1: 2.0}, callbacks=None, epochs=2)
    assert np.isfinite(history.history["loss"]).all()
    squared = gn.losses.get(lambda t, p: ((p - t) ** 2).mean(axis=-1))
    for loss, target in [(gn.losses.SparseCategoricalCrossentropy(), np.zeros(4, int)),
                         (squared, np.zeros((4, 2), np.float32))]:
        outputs = gn.tensor(np.ones((4, 2), np.float32), requires_grad=True)
        value = loss(outputs, target, sample_weight=np.zeros(4))
        value.backward()
        assert value.item() == 0.0 and not outputs.grad.any()
