"""gn.callbacks: early stopping, the convergence test, learning-rate callbacks, checkpoints,
CSV logs, divergence, the callback order, and clear errors for bad settings."""

import csv
import math

import numpy as np
import pytest

import glassnet as gn
from glassnet import callbacks, schedules
from glassnet import io as gn_io
from glassnet.layers import Dense
from glassnet.optim import SGD, Adam


def _regression(n=120, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)).astype(np.float32)
    y = (X @ np.array([[1.0], [-2.0], [0.5]]) + 0.3 * rng.normal(size=(n, 1))).astype(np.float32)
    return X, y


def _model(lr=0.05, hidden=32):
    model = gn.Sequential([Dense(hidden, activation="relu", input_dim=3), Dense(1)], seed=0)
    model.compile(optimizer=Adam(lr=lr), loss="mse")
    return model


class _Snapshots(callbacks.Callback):
    """Keeps the weights at the end of every epoch."""

    def __init__(self):
        self.states = []

    def on_epoch_end(self, epoch, logs=None):
        self.states.append(self.model.state_dict())


def test_public_namespace_reexports_the_loop_callbacks():
    from glassnet.training import callbacks as loop_callbacks

    assert callbacks.History is loop_callbacks.History
    assert callbacks.TerminateOnNaN is loop_callbacks.TerminateOnNaN
    assert callbacks.ProgressLogger is loop_callbacks.ProgressLogger
    assert gn.callbacks is callbacks


# ------------------------------------------------------------------------ EarlyStopping
def _overfitting_run(stop, snapshots=None):
    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, size=(10, 3)).astype(np.float32)
    y = rng.normal(size=(10, 1)).astype(np.float32)           # pure noise: validation loss rises
    val = (rng.uniform(-1, 1, size=(100, 3)).astype(np.float32), rng.normal(size=(100, 1)).astype(np.float32))
    model = _model(lr=0.02, hidden=64)
    extra = [snapshots] if snapshots is not None else []
    hist = model.fit(X, y, epochs=300, batch_size=None, validation_data=val, verbose=0, seed=0,
                     callbacks=[*extra, stop])
    return model, hist


def test_early_stopping_defaults_monitor_val_loss_and_restore_the_best_weights():
    stop = callbacks.EarlyStopping(patience=3)
    assert (stop.monitor, stop.patience, stop.restore_best_weights) == ("val_loss", 3, True)
    snapshots = _Snapshots()
    model, hist = _overfitting_run(stop, snapshots)
    val = hist.history["val_loss"]
    best = int(np.argmin(val))
    assert stop.best_epoch == best and stop.best == val[best]
    assert stop.stopped_epoch == len(val) - 1 == best + 3      # patience 3: the 3rd epoch without gain stops
    assert "early stopping" in hist.stopped_reason and "restored" in hist.stopped_reason
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, snapshots.states[best][key])


def test_early_stopping_without_restore_keeps_the_last_weights():
    snapshots = _Snapshots()
    model, _ = _overfitting_run(callbacks.EarlyStopping(patience=2, restore_best_weights=False), snapshots)
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, snapshots.states[-1][key])


def test_early_stopping_patience_zero_and_min_delta():
    _, hist = _overfitting_run(callbacks.EarlyStopping(patience=0))
    val = hist.history["val_loss"]
    assert val[-1] >= val[-2] and all(b < a for a, b in zip(val[:-2], val[1:-1]))
    stop = callbacks.EarlyStopping(monitor="loss", min_delta=10.0)
    _, hist = _overfitting_run(stop)
    assert len(hist.history["loss"]) == 2                    # no epoch improves by more than 10


def test_mode_auto_maximizes_accuracy():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 2)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    model = gn.Sequential([Dense(8, activation="tanh", input_dim=2), Dense(2, activation="softmax")], seed=0)
    model.compile(optimizer=Adam(lr=0.05), loss="cross_entropy", metrics=["accuracy"])
    stop = callbacks.EarlyStopping(monitor="val_accuracy", patience=2)
    hist = model.fit(X, y, epochs=30, validation_split=0.25, verbose=0, seed=0, callbacks=[stop])
    assert stop.best == max(hist.history["val_accuracy"])
    assert callbacks.EarlyStopping(monitor="val_loss", mode="max")._watch.maximize


# ----------------------------------------------------------------------- ConvergenceStop
def test_convergence_stop_reproduces_the_lectures_gradient_descent_example():
    """h = w0 + w1 x, J = 1/(2n) sum (h - y)^2, alpha = 0.05, stop when J decreases by
    < 1e-3: 13 iterations, w = (0.7833688366051934, 2.058376704645704). MSE is 2 J, so
    SGD(lr=alpha / 2) on MSE takes the same steps and tol = 2e-3 is the same test."""
    x = np.array([[0.0], [1.0], [2.0], [3.0], [4.0]])
    y = np.array([[1.0], [2.9], [5.2], [7.1], [8.8]])
    model = gn.Sequential([Dense(1, input_dim=1)], dtype=np.float64)
    model.layers[0].W.data[...] = 0.0
    model.compile(optimizer=SGD(lr=0.025), loss="mse")
    stop = callbacks.ConvergenceStop(tol=2e-3)
    hist = model.fit(x, y, epochs=1000, batch_size=None, verbose=0, callbacks=[stop])
    assert len(hist.history["loss"]) == 13                     # 13 updates, as in the lecture
    np.testing.assert_allclose([model.layers[0].b.data[0], model.layers[0].W.data[0, 0]],
                               [0.7833688366051934, 2.058376704645704], rtol=1e-12)
    assert "converged after epoch 13" in hist.stopped_reason


class _TrainingMSE(callbacks.Callback):
    """The mean squared error on (X, y) at the weights each epoch ends with."""

    def __init__(self, X, y):
        self.X, self.y, self.values = X, y, []

    def on_epoch_end(self, epoch, logs=None):
        self.values.append(float(np.mean((self.model.predict(self.X) - self.y) ** 2)))


def test_convergence_stop_patience_counts_consecutive_small_decreases():
    X, y = _regression()
    loose = _model(lr=0.01).fit(X, y, epochs=200, verbose=0, seed=0,
                                callbacks=[callbacks.ConvergenceStop(tol=1e-3, patience=1)])
    mse = _TrainingMSE(X, y)
    patient = _model(lr=0.01).fit(X, y, epochs=200, verbose=0, seed=0,
                                  callbacks=[callbacks.ConvergenceStop(tol=1e-3, patience=3), mse])
    assert len(patient.history["loss"]) > len(loose.history["loss"])
    decreases = -np.diff(mse.values)
    assert (decreases[-3:] < 1e-3).all() and decreases[-4] >= 1e-3


# ------------------------------------------------------------------- learning-rate callbacks
@pytest.mark.parametrize("schedule, expected", [
    (schedules.StepDecay(0.1, drop=0.5, every=2), [0.1, 0.1, 0.05, 0.05, 0.025]),
    (schedules.ExponentialDecay(0.1, gamma=0.5), [0.1, 0.05, 0.025, 0.0125, 0.00625]),
    (schedules.CosineDecay(0.1, epochs=4), [0.1, 0.1 * (1 + math.cos(math.pi / 4)) / 2, 0.05,
                                            0.1 * (1 + math.cos(3 * math.pi / 4)) / 2, 0.0]),
    (lambda epoch: 0.1 / (1 + epoch), [0.1, 0.05, 0.1 / 3, 0.025, 0.02]),
    (lambda epoch, lr: lr * 0.5, [0.025, 0.0125, 0.00625, 0.003125, 0.0015625]),
])
def test_learning_rate_scheduler_sets_and_logs_lr(schedule, expected):
    X, y = _regression()
    model = _model(lr=0.05)
    hist = model.fit(X, y, epochs=5, verbose=0, seed=0, callbacks=[callbacks.LearningRateScheduler(schedule)])
    np.testing.assert_allclose(hist.history["lr"], expected, rtol=1e-12)
    assert model.optimizer.lr == pytest.approx(expected[-1])


def test_reduce_lr_on_plateau_multiplies_by_factor_down_to_min_lr():
    X, y = _regression()
    model = _model(lr=0.05)
    reduce = callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, min_lr=0.01, min_delta=10.0)
    hist = model.fit(X, y, epochs=8, verbose=0, seed=0, callbacks=[reduce])
    # every epoch after the first fails to improve by 10; patience 1 -> a cut at each of them
    assert hist.history["lr"] == [0.05, 0.05, 0.025, 0.0125, 0.01, 0.01, 0.01, 0.01]
    assert model.optimizer.lr == 0.01


def test_reduce_lr_on_plateau_leaves_lr_while_improving():
    X, y = _regression()
    hist = _model(lr=0.01).fit(X, y, epochs=5, verbose=0, seed=0,
                               callbacks=[callbacks.ReduceLROnPlateau(monitor="loss", patience=0)])
    assert hist.history["lr"] == [0.01] * 5


def test_callbacks_that_add_to_the_logs_are_recorded_and_printed(capsys):
    class Extra(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["double_loss"] = 2 * logs["loss"]

    X, y = _regression()
    hist = _model().fit(X, y, epochs=2, verbose=2, seed=0, callbacks=[Extra()])
    assert hist.history["double_loss"] == [2 * v for v in hist.history["loss"]]
    assert "double_loss" in capsys.readouterr().out


# ------------------------------------------------------------------------- ModelCheckpoint
def test_checkpoint_every_epoch_with_a_formatted_path(tmp_path):
    X, y = _regression()
    model = _model()
    check = callbacks.ModelCheckpoint(tmp_path / "ckpt" / "model-{epoch:02d}-{val_loss:.3f}.safetensors")
    hist = model.fit(X, y, epochs=3, validation_split=0.2, verbose=0, seed=0, callbacks=[check])
    files = sorted(p.name for p in (tmp_path / "ckpt").iterdir())
    assert files == [f"model-{e + 1:02d}-{v:.3f}.safetensors" for e, v in enumerate(hist.history["val_loss"])]
    last = gn_io.load(tmp_path / "ckpt" / files[-1])           # a full model file
    np.testing.assert_array_equal(last.predict(X), model.predict(X))


def test_checkpoint_save_best_only_keeps_the_best_epoch(tmp_path):
    path = tmp_path / "best.safetensors"
    check = callbacks.ModelCheckpoint(path, save_best_only=True)
    model, hist = _overfitting_run(check)
    val = hist.history["val_loss"]
    best = int(np.argmin(val))
    assert len(check.saved) < len(val)
    fresh = _model(lr=0.02, hidden=64)
    meta = callbacks.load_checkpoint(path, fresh)
    assert meta["epoch"] == best + 1 and meta["monitor"] == "val_loss" and meta["value"] == val[best]
    assert meta["logs"]["val_loss"] == val[best]
    model.load_state_dict(fresh.state_dict())
    np.testing.assert_allclose(model.evaluate(*_noise_val(), return_dict=True)["loss"], val[best], rtol=1e-6)


def _noise_val():
    rng = np.random.default_rng(1)
    rng.uniform(-1, 1, size=(10, 3))
    rng.normal(size=(10, 1))
    return rng.uniform(-1, 1, size=(100, 3)).astype(np.float32), rng.normal(size=(100, 1)).astype(np.float32)


def test_checkpoint_write_is_atomic(tmp_path, monkeypatch):
    X, y = _regression()
    model = _model()
    path = tmp_path / "model.safetensors"
    model.fit(X, y, epochs=1, verbose=0, seed=0, callbacks=[callbacks.ModelCheckpoint(path)])
    before = path.read_bytes()

    import os

    def crash(src, dst):
        raise OSError("killed before the rename")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="killed before the rename"):
        model.fit(X, y, epochs=1, verbose=0, seed=0, callbacks=[callbacks.ModelCheckpoint(path)])
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.safetensors"]


def test_checkpoint_folder_that_cannot_be_written_fails_before_training(tmp_path):
    (tmp_path / "file").write_text("")
    X, y = _regression()
    model = _model()
    before = model.state_dict()
    check = callbacks.ModelCheckpoint(tmp_path / "file" / "model.safetensors")
    with pytest.raises(ValueError, match=r"ModelCheckpoint: cannot write .*file.* is a file, not a folder"):
        model.fit(X, y, epochs=2, verbose=0, callbacks=[check])
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


def test_checkpoint_path_field_missing_from_the_logs(tmp_path):
    X, y = _regression()
    check = callbacks.ModelCheckpoint(tmp_path / "m-{val_accuracy}.safetensors")
    with pytest.raises(ValueError, match=r"names a field that the logs do not provide.*'epoch', 'loss'"):
        _model().fit(X, y, epochs=1, verbose=0, callbacks=[check])


# ------------------------------------------------------------------------------ CSVLogger
def test_csv_logger_writes_one_row_per_epoch_and_can_append(tmp_path):
    X, y = _regression()
    path = tmp_path / "log.csv"
    hist = _model().fit(X, y, epochs=3, validation_split=0.2, verbose=0, seed=0,
                        callbacks=[callbacks.CSVLogger(path)])
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3]
    np.testing.assert_allclose([float(r["val_loss"]) for r in rows], hist.history["val_loss"])
    _model().fit(X, y, epochs=2, verbose=0, seed=0, callbacks=[callbacks.CSVLogger(path, append=True)])
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["epoch", "loss", "val_loss"] and len(rows) == 1 + 3 + 2
    assert rows[-1][2] == ""                                 # no validation in the second run


# ------------------------------------------------------------------------------- divergence
def test_divergence_to_nan_stops_with_a_message_and_restores_the_last_finite_weights():
    X, y = _regression()
    model = gn.Sequential([Dense(8, activation="relu", input_dim=3), Dense(1)], seed=0)
    model.compile(optimizer=SGD(lr=1e38), loss="mse")      # the first step overflows to inf
    before = model.state_dict()
    with pytest.warns(RuntimeWarning, match=r"the loss became nan at epoch 1, batch 2; the last finite "
                                            r"weights were restored\. Lower the learning rate"):
        hist = model.fit(X * 100, y, epochs=50, batch_size=32, verbose=0, seed=0,
                         callbacks=[callbacks.TerminateOnNaN()])
    assert len(hist.history["loss"]) == 1 and "restored" in hist.stopped_reason
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


# ------------------------------------------------------------------------------- bad settings
def test_monitor_missing_from_the_logs_lists_what_they_contain():
    X, y = _regression()
    with pytest.raises(ValueError, match=r"EarlyStopping: monitor='val_loss' is not in the logs of epoch 1, "
                                         r"which contain \['loss'\]; val_ quantities need validation_split"):
        _model().fit(X, y, epochs=3, verbose=0, callbacks=[callbacks.EarlyStopping()])
    expected = r"ReduceLROnPlateau: monitor='accuracy' .*\['loss', 'lr', 'val_loss'\]"
    with pytest.raises(ValueError, match=expected):
        _model().fit(X, y, epochs=3, verbose=0, validation_split=0.2,
                     callbacks=[callbacks.ReduceLROnPlateau(monitor="accuracy")])


@pytest.mark.parametrize("make, match", [
    (lambda: callbacks.EarlyStopping(patience=-1), r"EarlyStopping: patience must be .* >= 0, got -1$"),
    (lambda: callbacks.EarlyStopping(patience=1.5), r"patience must be an integer >= 0, got 1.5"),
    (lambda: callbacks.ReduceLROnPlateau(patience=-2), r"ReduceLROnPlateau: patience must be .*got -2"),
    (lambda: callbacks.ConvergenceStop(patience=0), r"ConvergenceStop: patience must be an integer >= 1"),
    (lambda: callbacks.EarlyStopping(mode="up"), r"mode must be 'auto', 'min' or 'max', got 'up'"),
    (lambda: callbacks.EarlyStopping(min_delta=-0.1), r"min_delta must be a number in \[0, inf\)"),
    (lambda: callbacks.EarlyStopping(monitor=""), r"monitor must be the name of a logged quantity"),
    (lambda: callbacks.ReduceLROnPlateau(factor=1.0), r"factor must be a number in \(0, 1\), got 1.0"),
    (lambda: callbacks.ReduceLROnPlateau(min_lr=-1), r"min_lr must be a number in \[0, inf\)"),
    (lambda: callbacks.ReduceLROnPlateau(cooldown=-1), r"cooldown must be an integer >= 0"),
    (lambda: callbacks.ConvergenceStop(tol=0), r"tol must be a number in \(0, inf\)"),
])
def test_bad_settings_are_refused_at_construction(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_schedule_and_paths_are_refused():
    with pytest.raises(TypeError, match="schedule must be callable"):
        callbacks.LearningRateScheduler(0.1)
    with pytest.raises(TypeError, match="ModelCheckpoint: path must be a non-empty str or path, got 3"):
        callbacks.ModelCheckpoint(3)
    with pytest.raises(TypeError, match="ModelCheckpoint: path is required"):
        callbacks.ModelCheckpoint()
    X, y = _regression()
    with pytest.raises(ValueError, match=r"the schedule returned -1.0 for epoch 0"):
        _model().fit(X, y, epochs=1, verbose=0, callbacks=[callbacks.LearningRateScheduler(lambda e: -1.0)])
