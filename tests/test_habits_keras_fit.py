"""Keras's arguments of ``fit``, ``evaluate`` and ``predict``."""

import math
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn


def _data(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    return X, y


def _model(loss="sparse_categorical_crossentropy", units=2, activation="softmax", metrics=("accuracy",)):
    model = gn.Sequential([gn.layers.Dense(8, activation="relu", input_dim=4),
                           gn.layers.Dense(units, activation=activation)], seed=0, dtype=np.float64)
    model.compile(optimizer=gn.optim.Adam(learning_rate=0.01), loss=loss, metrics=list(metrics))
    return model


class _Batches(gn.callbacks.Callback):
    def __init__(self):
        self.sizes = []

    def on_epoch_begin(self, epoch, logs=None):
        self.sizes.append([])

    def on_batch_end(self, batch, logs=None):
        self.sizes[-1].append(logs["size"])


def test_fit_with_keras_keywords():
    X, y = _data()
    model = _model()
    history = model.fit(x=X, y=y, batch_size=16, epochs=2, verbose=0, validation_data=(X[:20], y[:20]))
    assert history.epoch == [0, 1]
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}


def test_validation_freq_validates_every_nth_epoch():
    X, y = _data()
    model = _model()
    history = model.fit(X, y, epochs=4, verbose=0, validation_data=(X[:20], y[:20]), validation_freq=2)
    val = history.history["val_loss"]
    assert [math.isnan(v) for v in val] == [True, False, True, False]
    assert val[-1] == pytest.approx(model.evaluate(X[:20], y[:20], verbose=0)[0])


def test_validation_freq_as_a_list_of_epochs():
    X, y = _data()
    history = _model().fit(X, y, epochs=4, verbose=0, validation_split=0.25, validation_freq=[1, 3])
    assert [math.isnan(v) for v in history.history["val_accuracy"]] == [False, True, False, True]


def test_callbacks_watching_validation_skip_the_epochs_without_it():
    X, y = _data()
    stop = gn.callbacks.EarlyStopping(monitor="val_loss", patience=10)
    reduce = gn.callbacks.ReduceLROnPlateau(monitor="val_loss", patience=10)
    history = _model().fit(X, y, epochs=4, verbose=0, validation_split=0.25, validation_freq=2,
                           callbacks=[stop, reduce], seed=0)
    val = history.history["val_loss"]
    validated = [epoch for epoch in history.epoch if not math.isnan(val[epoch])]
    assert len(history.epoch) == 4 and validated == [1, 3]
    assert stop.best_epoch == min(validated, key=lambda epoch: val[epoch])


@pytest.mark.parametrize("freq", [0, -1, 1.5, "2", [0, 2], None])
def test_a_wrong_validation_freq_fails_at_once(freq):
    X, y = _data()
    with pytest.raises(ValueError, match="validation_freq must be an integer >= 1"):
        _model().fit(X, y, epochs=2, verbose=0, validation_split=0.25, validation_freq=freq)


def test_steps_per_epoch_continues_the_pass_into_the_next_epoch():
    X, y = _data()               # 60 samples at batch size 16: batches of 16, 16, 16, 12 in a pass
    model = _model()
    batches = _Batches()
    history = model.fit(X, y, batch_size=16, epochs=4, steps_per_epoch=3, verbose=0, callbacks=[batches])
    assert batches.sizes == [[16, 16, 16], [12], [16, 16, 16], [12]]
    assert model.optimizer.iterations == 8
    assert len(history.history["accuracy"]) == 4


def test_steps_per_epoch_of_a_whole_pass_is_the_default():
    X, y = _data()
    one, two = _model(), _model()
    h_one = one.fit(X, y, batch_size=16, epochs=2, steps_per_epoch=4, verbose=0, seed=0)
    h_two = two.fit(X, y, batch_size=16, epochs=2, verbose=0, seed=0)
    assert h_one.history == h_two.history


def test_more_steps_per_epoch_than_a_pass_fails_at_once():
    X, y = _data()
    with pytest.raises(ValueError, match=r"steps_per_epoch=5 is more than the 4 batch\(es\) of one pass"):
        _model().fit(X, y, batch_size=16, epochs=1, steps_per_epoch=5, verbose=0)
    with pytest.raises(ValueError, match="steps_per_epoch must be a positive integer"):
        _model().fit(X, y, epochs=1, steps_per_epoch=0, verbose=0)


def test_initial_epoch_counts_epochs_from_the_start():
    X, y = _data()
    history = _model().fit(X, y, epochs=5, initial_epoch=2, verbose=0)
    assert history.epoch == [2, 3, 4]


def test_class_weight_equals_the_same_sample_weight():
    X, y = _data()
    by_class = _model().fit(X, y, epochs=2, verbose=0, seed=0, class_weight={0: 1.0, 1: 3.0})
    by_sample = _model().fit(X, y, epochs=2, verbose=0, seed=0, sample_weight=np.where(y == 1, 3.0, 1.0))
    np.testing.assert_allclose(by_class.history["loss"], by_sample.history["loss"], rtol=1e-12)


def test_class_weight_with_a_regression_loss_on_class_labels():
    X, y = _data()
    model = _model(loss="mse", units=1, activation="sigmoid", metrics=())
    by_class = model.fit(X, y, epochs=2, verbose=0, seed=0, class_weight={0: 1.0, 1: 3.0})
    model = _model(loss="mse", units=1, activation="sigmoid", metrics=())
    by_sample = model.fit(X, y, epochs=2, verbose=0, seed=0, sample_weight=np.where(y == 1, 3.0, 1.0))
    np.testing.assert_allclose(by_class.history["loss"], by_sample.history["loss"], rtol=1e-12)
    model = _model(loss="mse", units=1, activation=None, metrics=())
    with pytest.raises(ValueError, match="class_weight needs class labels.*sample_weight="):
        model.fit(X, X[:, 0], epochs=1, verbose=0, class_weight={0: 1.0})


def test_zero_sample_weights_leave_those_samples_out():
    X, y = _data()
    keep = np.arange(len(X)) % 3 != 0
    weighted = _model().fit(X, y, epochs=3, batch_size=None, verbose=0, sample_weight=keep.astype(float))
    subset = _model().fit(X[keep], y[keep], epochs=3, batch_size=None, verbose=0)
    np.testing.assert_allclose(weighted.history["loss"], subset.history["loss"], rtol=1e-9)


def test_evaluate_verbose_and_return_dict(capsys):
    X, y = _data()
    model = _model()
    model.fit(X, y, epochs=1, verbose=0)
    scores = model.evaluate(X, y, verbose=0, return_dict=True)
    assert capsys.readouterr().out == ""
    assert list(scores) == ["loss", "accuracy"]
    assert model.evaluate(x=X, y=y, verbose=0) == [scores["loss"], scores["accuracy"]]
    model.evaluate(X, y, verbose=1)
    assert "accuracy" in capsys.readouterr().out


def test_predict_verbose_and_batch_size(capsys):
    X, y = _data()
    model = _model()
    model.fit(X, y, epochs=1, verbose=0)
    whole = model.predict(X)
    in_batches = model.predict(X, verbose=0, batch_size=7)
    assert capsys.readouterr().out == ""
    np.testing.assert_allclose(in_batches, whole, rtol=1e-12)


@pytest.mark.parametrize(("n", "fraction"), [(10, 0.3), (60, 0.25), (7, 0.5)])
def test_validation_split_mode_last_holds_out_what_keras_holds_out(n, fraction):
    X, y = _data(n=n)
    model = _model()
    history = model.fit(X, y, epochs=1, verbose=0, validation_split=fraction, validation_split_mode="last")
    split_at = math.floor(n * (1 - fraction))       # Keras's split point
    expected = model.evaluate(X[split_at:], y[split_at:], verbose=0, return_dict=True)["loss"]
    assert history.history["val_loss"][0] == pytest.approx(expected, rel=1e-12)


def test_the_docs_say_how_glassnet_and_keras_defaults_differ():
    fit_doc = gn.training.loop.fit.__doc__
    assert "Keras differs: it takes the last fraction" in fit_doc
    assert 'validation_split_mode="last"' in fit_doc
    early_doc = gn.callbacks.EarlyStopping.__doc__
    assert "Keras's default is False" in early_doc and "restore_best_weights=False" in early_doc
    readme = " ".join((Path(__file__).parents[1] / "README.md").read_text().split())
    assert 'Keras instead holds out the last fraction of the samples, unshuffled; ' \
           '`validation_split_mode="last"` does exactly that' in readme
    assert "Keras's default is `False`, which keeps the weights of the last epoch" in readme


def test_inputs_keyed_by_the_names_of_the_model_s_inputs():
    rng = np.random.default_rng(0)
    xa, xb = rng.normal(size=(16, 3)).astype(np.float32), rng.normal(size=(16, 2)).astype(np.float32)
    a, b = gn.Input((3,), name="left"), gn.Input((2,), name="right")
    out = gn.layers.Dense(1)(gn.concatenate([a, b], axis=-1))
    model = gn.Model([a, b], out, seed=0)
    model.compile(optimizer="sgd", loss="mse")
    y = xa[:, :1]
    model.fit({"right": xb, "left": xa}, y, epochs=1, batch_size=8, verbose=0)
    np.testing.assert_array_equal(model.predict({"left": xa, "right": xb}), model.predict([xa, xb]))
    with pytest.raises(ValueError, match=r"keys \['left'\].*named \['left', 'right'\]"):
        model.predict({"left": xa})
