"""The arguments of the callbacks: checked when the callback is made, in glassnet's words;
Keras's spellings (filepath=, filename=, delete_checkpoint=, verbose=) work the same."""

import numpy as np
import pytest

import glassnet as gn
from glassnet import callbacks
from glassnet import io as gn_io
from glassnet.layers import Dense
from glassnet.optim import Adam


def _regression(n=120, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)).astype(np.float32)
    return X, X @ np.array([[1.0], [-2.0], [0.5]], dtype=np.float32)


def _model():
    model = gn.Sequential([Dense(8, activation="relu", input_dim=3), Dense(1)], seed=0)
    model.compile(optimizer=Adam(lr=0.05), loss="mse")
    return model


@pytest.mark.parametrize("make, match", [
    (lambda: callbacks.ConvergenceStop(tol=float("nan")), r"tol must be a number in \(0, inf\), got nan"),
    (lambda: callbacks.EarlyStopping(baseline=float("nan")), r"EarlyStopping: baseline must be a number"),
    (lambda: callbacks.EarlyStopping(baseline="0.5"), r"EarlyStopping: baseline must be a number"),
    (lambda: callbacks.EarlyStopping(start_from_epoch=-1), r"start_from_epoch must be an integer >= 0"),
    (lambda: callbacks.EarlyStopping(verbose=3), r"EarlyStopping: verbose must be 0 \(silent\), 1 or 2"),
    (lambda: callbacks.EarlyStopping(mode=None), r"mode must be 'auto', 'min' or 'max', got None"),
    (lambda: callbacks.EarlyStopping(monitor=3), r"monitor must be the name of a logged quantity, got 3"),
    (lambda: callbacks.ReduceLROnPlateau(factor=1.5), r"factor must be a number in \(0, 1\), got 1.5"),
    (lambda: callbacks.ReduceLROnPlateau(factor=0), r"factor must be a number in \(0, 1\), got 0"),
    (lambda: callbacks.ReduceLROnPlateau(min_delta=float("inf")), r"min_delta must be a number in \[0, inf"),
    (lambda: callbacks.ReduceLROnPlateau(cooldown=1.0), r"cooldown must be an integer >= 0, got 1.0"),
    (lambda: callbacks.CSVLogger("log.csv", separator=";;"), r"separator must be one character"),
    (lambda: callbacks.ModelCheckpoint("m.safetensors", save_freq=0),
     r"save_freq must be 'epoch' or a number of batches >= 1"),
    (lambda: callbacks.ModelCheckpoint("m.safetensors", initial_value_threshold=float("nan")),
     r"initial_value_threshold must be a number"),
    (lambda: callbacks.BackupAndRestore("b", save_freq="batch"), r"save_freq must be 'epoch'"),
    (lambda: callbacks.LearningRateScheduler(lambda e: 0.1, verbose=-1), r"verbose must be 0"),
])
def test_bad_values_are_refused_at_construction(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize("make, match", [
    (lambda: callbacks.EarlyStopping(restore_best_weights="no"),
     r"EarlyStopping: restore_best_weights must be True or False, got 'no'"),
    (lambda: callbacks.ModelCheckpoint("m.safetensors", save_best_only=1), r"save_best_only must be True or"),
    (lambda: callbacks.CSVLogger("log.csv", append="yes"), r"CSVLogger: append must be True or False"),
    (lambda: callbacks.BackupAndRestore("b", delete_on_end="no"), r"delete_on_end must be True or False"),
    (lambda: callbacks.ModelCheckpoint("a", filepath="b"), r"give path or filepath \(Keras's name for it\)"),
    (lambda: callbacks.BackupAndRestore(None), r"backup_dir must be a non-empty str or path, got None"),
])
def test_flags_and_paths_of_the_wrong_type_are_refused(make, match):
    with pytest.raises(TypeError, match=match):
        make()


def test_keras_spellings_of_the_callbacks_work(tmp_path, capsys):
    X, y = _regression()
    check = callbacks.ModelCheckpoint(filepath=tmp_path / "w.safetensors", verbose=1, save_weights_only=True,
                                      save_best_only=True, initial_value_threshold=-1.0, monitor="loss")
    log = callbacks.CSVLogger(filename=tmp_path / "log.csv")
    backup = callbacks.BackupAndRestore(tmp_path / "backup", delete_checkpoint=False)
    schedule = callbacks.LearningRateScheduler(lambda epoch: 0.01, verbose=1)
    _model().fit(X, y, epochs=2, verbose=0, seed=0, callbacks=[check, log, backup, schedule])
    assert check.saved == [] and not (tmp_path / "w.safetensors").exists()   # no loss below -1
    assert len((tmp_path / "log.csv").read_text().splitlines()) == 3
    assert (tmp_path / "backup" / "backup.safetensors").exists()            # kept: delete_checkpoint=False
    assert "Epoch 1: LearningRateScheduler setting learning rate to 0.01." in capsys.readouterr().out
    model = _model()
    check = callbacks.ModelCheckpoint(filepath=tmp_path / "w.safetensors", verbose=1, save_weights_only=True)
    model.fit(X, y, epochs=1, verbose=0, seed=0, callbacks=[check])
    assert f"Epoch 1: saved the model to {tmp_path / 'w.safetensors'}" in capsys.readouterr().out
    fresh = _model()
    gn_io.load_weights(fresh, tmp_path / "w.safetensors")
    np.testing.assert_array_equal(fresh.predict(X), model.predict(X))
