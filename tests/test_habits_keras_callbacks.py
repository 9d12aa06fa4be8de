"""Keras's callbacks, written as Keras users write them."""

import csv
import math
import os

import numpy as np
import pytest

import glassnet as gn
from glassnet import callbacks


def _data(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    return X, (X[:, 0] - X[:, 2] > 0).astype(int)


def _model(lr=0.01):
    model = gn.Sequential([gn.layers.Dense(8, activation="relu", input_dim=4),
                           gn.layers.Dense(2, activation="softmax")], seed=0, dtype=np.float64)
    model.compile(optimizer=gn.optim.Adam(learning_rate=lr), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def test_early_stopping_with_every_keras_argument_by_position_and_name():
    X, y = _data()
    by_name = callbacks.EarlyStopping(monitor="val_loss", min_delta=0.5, patience=2, verbose=0, mode="min",
                                      baseline=None, restore_best_weights=False, start_from_epoch=1)
    by_position = callbacks.EarlyStopping("val_loss", 0.5, 2, 0, "min", None, False, 1)
    for stop in (by_name, by_position):
        history = _model().fit(X, y, epochs=20, verbose=0, validation_split=0.25, seed=0, callbacks=[stop])
        assert stop.stopped_epoch == 3 and history.epoch == [0, 1, 2, 3]


def test_early_stopping_restore_best_weights_false_keeps_the_last_weights():
    X, y = _data()
    model = _model(lr=0.5)
    stop = callbacks.EarlyStopping(monitor="loss", patience=1, restore_best_weights=False)
    model.fit(X, y, epochs=3, verbose=0, seed=0, callbacks=[stop])
    last = [p.data.copy() for p in model.parameters()]
    restored = _model(lr=0.5)
    restored.fit(X, y, epochs=3, verbose=0, seed=0, callbacks=[callbacks.EarlyStopping(monitor="loss",
                                                                                      patience=1)])
    assert all(np.array_equal(a, p.data) for a, p in zip(last, model.parameters()))
    assert callbacks.EarlyStopping().restore_best_weights is True   # glassnet's default, said in its doc


def test_model_checkpoint_fills_epoch_and_val_loss_in_the_path(tmp_path):
    X, y = _data()
    path = os.path.join(tmp_path, "weights-{epoch:02d}-{val_loss:.2f}.safetensors")
    check = callbacks.ModelCheckpoint(filepath=path, monitor="val_loss", save_best_only=False,
                                      save_weights_only=True, save_freq="epoch")
    history = _model().fit(X, y, epochs=3, verbose=0, validation_split=0.25, callbacks=[check])
    expected = [f"weights-{e + 1:02d}-{v:.2f}.safetensors" for e, v in zip(history.epoch,
                                                                            history.history["val_loss"])]
    assert sorted(os.listdir(tmp_path)) == sorted(expected)


def test_model_checkpoint_takes_keras_positional_order(tmp_path):
    check = callbacks.ModelCheckpoint(str(tmp_path / "m.safetensors"), "val_accuracy", 1, True, True, "max")
    assert (check.monitor, check.verbose, check.save_best_only, check.save_weights_only) == \
        ("val_accuracy", 1, True, True)


def test_model_checkpoint_every_n_batches(tmp_path):
    X, y = _data()                              # 60 samples at batch size 16: 4 batches per epoch
    check = callbacks.ModelCheckpoint(str(tmp_path / "m-{epoch}-{batch}.safetensors"), save_freq=3)
    _model().fit(X, y, epochs=2, batch_size=16, verbose=0, callbacks=[check])
    assert sorted(os.listdir(tmp_path)) == ["m-1-3.safetensors", "m-2-2.safetensors"]


def test_model_checkpoint_best_every_n_batches_needs_a_batch_quantity(tmp_path):
    with pytest.raises(ValueError, match="batch's logs, which hold no 'val_loss'"):
        callbacks.ModelCheckpoint(str(tmp_path / "m.safetensors"), save_best_only=True, save_freq=2)
    check = callbacks.ModelCheckpoint(str(tmp_path / "m.safetensors"), monitor="loss", save_best_only=True,
                                      save_freq=2)
    X, y = _data()
    _model().fit(X, y, epochs=1, batch_size=16, verbose=0, callbacks=[check])
    assert check.saved


def test_reduce_lr_on_plateau_with_keras_arguments():
    X, y = _data()
    model = _model(lr=0.01)
    reduce = callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, verbose=0, mode="min",
                                         min_delta=10.0, cooldown=0, min_lr=0.002)
    history = model.fit(X, y, epochs=4, verbose=0, callbacks=[reduce])
    # epoch 1 improves on +inf; each later one misses min_delta, so its end cuts the rate (logged
    # as the rate the epoch trained with) by half, down to min_lr
    assert history.history["lr"] == [0.01, 0.01, 0.005, 0.0025]
    assert model.optimizer.learning_rate == 0.002


def test_learning_rate_scheduler_with_the_keras_schedule():
    def scheduler(epoch, lr):
        return lr if epoch < 2 else lr * math.exp(-0.1)

    X, y = _data()
    model = _model(lr=0.01)
    history = model.fit(X, y, epochs=4, verbose=0, callbacks=[callbacks.LearningRateScheduler(scheduler,
                                                                                            verbose=0)])
    np.testing.assert_allclose(history.history["lr"], [0.01, 0.01, 0.01 * math.exp(-0.1),
                                                       0.01 * math.exp(-0.2)])
    with pytest.raises(KeyError, match="glassnet logs it as 'lr'"):
        history.history["learning_rate"]


def test_csv_logger_with_keras_arguments(tmp_path):
    X, y = _data()
    path = tmp_path / "training.log"
    _model().fit(X, y, epochs=2, verbose=0, callbacks=[callbacks.CSVLogger(str(path), separator=",",
                                                                         append=False)])
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["epoch"] for row in rows] == ["1", "2"] and "accuracy" in rows[0]


def test_terminate_on_nan_stops_at_the_batch():
    X, y = _data()
    model = _model(lr=1e300)
    with pytest.warns(RuntimeWarning, match="the loss became"):
        history = model.fit(X, y, epochs=5, verbose=0, callbacks=[callbacks.TerminateOnNaN()])
    assert len(history.epoch) == 1


def test_lambda_callback_runs_the_functions_given():
    X, y = _data()
    seen = []
    hooks = callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: seen.append(("epoch_begin", epoch)),
        on_epoch_end=lambda epoch, logs: seen.append(("epoch_end", epoch, round(logs["loss"], 12))),
        on_train_begin=lambda logs: seen.append("train_begin"),
        on_train_end=lambda logs: seen.append("train_end"),
        on_train_batch_begin=lambda batch, logs: seen.append(("batch_begin", batch)),
        on_train_batch_end=lambda batch, logs: seen.append(("batch_end", batch)),
    )
    history = _model().fit(X, y, epochs=1, batch_size=32, verbose=0, callbacks=[hooks])
    loss = round(history.history["loss"][0], 12)
    assert seen == ["train_begin", ("epoch_begin", 0), ("batch_begin", 0), ("batch_end", 0),
                    ("batch_begin", 1), ("batch_end", 1), ("epoch_end", 0, loss), "train_end"]


def test_lambda_callback_takes_the_older_batch_names_and_refuses_others():
    batches = []
    hooks = callbacks.LambdaCallback(on_batch_end=lambda batch, logs: batches.append(batch))
    X, y = _data()
    _model().fit(X, y, epochs=1, batch_size=32, verbose=0, callbacks=[hooks])
    assert batches == [0, 1]
    with pytest.raises(TypeError, match="LambdaCallback got on_test_end"):
        callbacks.LambdaCallback(on_test_end=lambda logs: None)


def test_a_subclass_with_keras_batch_hook_names_is_called():
    class Counter(callbacks.Callback):
        def __init__(self):
            self.begun, self.ended = 0, 0

        def on_train_batch_begin(self, batch, logs=None):
            self.begun += 1

        def on_train_batch_end(self, batch, logs=None):
            self.ended += 1

    X, y = _data()
    counter = Counter()
    _model().fit(X, y, epochs=2, batch_size=16, verbose=0, callbacks=[counter])
    assert (counter.begun, counter.ended) == (8, 8)


def test_a_subclass_with_a_hook_fit_never_calls_fails_at_once():
    class Validation(callbacks.Callback):
        def on_test_end(self, logs=None):
            pass

    X, y = _data()
    with pytest.raises(TypeError, match=r"Validation defines on_test_end, which glassnet never calls.*"
                                        r"on_epoch_end"):
        _model().fit(X, y, epochs=1, verbose=0, validation_split=0.2, callbacks=[Validation()])


@pytest.mark.parametrize("verbose", [0, 1, 2])
def test_fit_verbosity(capsys, verbose):
    X, y = _data()
    _model().fit(X, y, epochs=2, verbose=verbose)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert len(lines) == (0 if verbose == 0 else 2)


@pytest.mark.parametrize("metric", ["sparse_categorical_accuracy", "acc"])
def test_early_stopping_maximizes_accuracy_under_keras_names(metric):
    X, y = _data()
    model = gn.Sequential([gn.layers.Dense(8, activation="relu", input_dim=4),
                           gn.layers.Dense(2, activation="softmax")], seed=0, dtype=np.float64)
    model.compile(optimizer=gn.optim.SGD(learning_rate=0.05), loss="sparse_categorical_crossentropy",
                  metrics=[metric])
    stop = callbacks.EarlyStopping(monitor=f"val_{metric}", patience=100)
    history = model.fit(X, y, epochs=6, verbose=0, validation_split=0.5, seed=0, callbacks=[stop])
    values = history.history[f"val_{metric}"]
    assert stop.best == max(values) and min(values) < max(values)
