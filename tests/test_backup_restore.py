"""BackupAndRestore: an interrupted run (Ctrl-C, SIGKILL) resumes from its last finished
epoch and ends with bitwise the same weights and History as an uninterrupted run."""

import json
import os
import runpy
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import glassnet as gn
from glassnet import callbacks
from glassnet.layers import Dense, Dropout
from glassnet.optim import Adam
from glassnet.training.checkpoint import load_arrays


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] ** 2 > 0.5).astype(np.int64)
    return X, y


def _model():
    model = gn.Sequential([Dense(16, activation="relu", input_dim=4), Dropout(0.2),
                           Dense(2, activation="softmax")], seed=0)
    model.compile(optimizer=Adam(lr=0.01), loss="cross_entropy", metrics=["accuracy"])
    return model


def _callbacks(folder):
    """Stateful callbacks too: their state must survive the interruption."""
    return [callbacks.ReduceLROnPlateau(patience=1, factor=0.5),
            callbacks.EarlyStopping(patience=50),
            callbacks.BackupAndRestore(folder)]


def _fit(model, folder, extra=()):
    X, y = _data()
    return model.fit(X, y, epochs=8, batch_size=16, validation_split=0.25, verbose=0, seed=0,
                     callbacks=[*extra, *_callbacks(folder)])


class _Interrupt(callbacks.Callback):
    """Presses Ctrl-C after ``epoch`` has finished."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            raise KeyboardInterrupt


def _weights(model):
    return [p.data.copy() for p in model.parameters()]


def test_ctrl_c_then_rerun_gives_bitwise_the_same_weights_and_history(tmp_path):
    reference = _model()
    ref_hist = _fit(reference, tmp_path / "ref")
    assert not (tmp_path / "ref" / "backup.safetensors").exists()     # deleted on success

    with pytest.raises(KeyboardInterrupt):
        _fit(_model(), tmp_path / "run", extra=[_Interrupt(epoch=3)])
    _, meta = load_arrays(tmp_path / "run" / "backup.safetensors")
    assert meta["epoch"] == 3                 # the interrupted epoch 3 (0-based) is not in it
    resumed = _model()
    backup = callbacks.BackupAndRestore(tmp_path / "run")
    X, y = _data()
    hist = resumed.fit(X, y, epochs=8, batch_size=16, validation_split=0.25, verbose=0, seed=0,
                       callbacks=[*_callbacks(tmp_path / "run")[:2], backup])
    assert backup.restored_epoch == 3
    for a, b in zip(_weights(resumed), _weights(reference), strict=True):
        np.testing.assert_array_equal(a, b)
    assert hist.history == ref_hist.history
    assert hist.epoch == list(range(8))
    assert resumed.optimizer.lr == reference.optimizer.lr


def test_backup_holds_weights_optimizer_state_epoch_history_and_generators(tmp_path):
    model = _model()
    with pytest.raises(KeyboardInterrupt):
        _fit(model, tmp_path, extra=[_Interrupt(epoch=2)])    # during epoch 2's callbacks
    arrays, meta = load_arrays(tmp_path / "backup.safetensors")
    assert {k for k in arrays if k.startswith("model/")} == {f"model/{k}" for k in model.state_dict()}
    assert any(k.startswith("optimizer/") and k.endswith("exp_avg") for k in arrays)
    assert meta["optimizer"]["iterations"] == 2 * 6            # 2 epochs of 90 / 16 -> 6 batches
    assert meta["epoch"] == 2 and len(meta["history"]["loss"]) == 2
    assert meta["rng"]["bit_generator"] == "PCG64"
    assert "1" in meta["layer_rngs"]                           # the dropout layer's masks
    assert [c["class"] for c in meta["callbacks"]] == ["ReduceLROnPlateau", "EarlyStopping"]


_SCRIPT = textwrap.dedent("""
    import sys, time
    import numpy as np
    import glassnet as gn
    from glassnet import callbacks
    from glassnet.layers import Dense, Dropout
    from glassnet.optim import Adam

    class Slow(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            print("finished", epoch, flush=True)
            time.sleep(0.05)

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] ** 2 > 0.5).astype(np.int64)
    model = gn.Sequential([Dense(16, activation="relu", input_dim=4), Dropout(0.2),
                           Dense(2, activation="softmax")], seed=0)
    model.compile(optimizer=Adam(lr=0.01), loss="cross_entropy")
    backup = callbacks.BackupAndRestore(sys.argv[1])
    model.fit(X[:160], y[:160], epochs=12, batch_size=16, validation_data=(X[160:], y[160:]), verbose=0,
              seed=0, callbacks=[Slow(), callbacks.ReduceLROnPlateau(patience=1), backup])
    np.savez(sys.argv[2], *[p.data for p in model.parameters()])
    print("resumed from", backup.restored_epoch, flush=True)
""")


def _run(script, *args):
    return subprocess.run([sys.executable, str(script), *map(str, args)], capture_output=True, text=True,
                          timeout=120, check=True).stdout


def test_a_process_killed_mid_training_resumes_to_the_same_weights(tmp_path, monkeypatch):
    script = tmp_path / "train.py"
    script.write_text(_SCRIPT)
    monkeypatch.setattr(sys, "argv", [str(script), str(tmp_path / "reference_backup"),
                                      str(tmp_path / "reference.npz")])
    runpy.run_path(str(script), run_name="__main__")          # the uninterrupted run, in this process

    args = [sys.executable, str(script), str(tmp_path / "backup"), str(tmp_path / "run.npz")]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    try:
        for line in proc.stdout:
            if line.strip() == "finished 4":       # the backup of epoch 3 is written by now
                break
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.stdout.close()
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert not (tmp_path / "run.npz").exists()
    assert not [p for p in (tmp_path / "backup").iterdir() if p.name != "backup.safetensors"]

    out = _run(script, tmp_path / "backup", tmp_path / "run.npz")
    restored = int(out.strip().splitlines()[-1].split()[-1])
    assert 4 <= restored < 12
    assert f"finished {restored - 1}" not in out and f"finished {restored}" in out
    reference, resumed = np.load(tmp_path / "reference.npz"), np.load(tmp_path / "run.npz")
    assert len(reference.files) == 4
    for key in reference.files:
        np.testing.assert_array_equal(resumed[key], reference[key])


def test_backup_that_does_not_fit_the_model_is_refused_with_a_hint(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        _fit(_model(), tmp_path, extra=[_Interrupt(epoch=1)])
    other = gn.Sequential([Dense(8, activation="relu", input_dim=4), Dense(2, activation="softmax")], seed=0)
    other.compile(optimizer=Adam(lr=0.01), loss="cross_entropy")
    X, y = _data()
    with pytest.raises(ValueError, match="does not fit this model.*delete it to start afresh"):
        other.fit(X, y, epochs=2, verbose=0, callbacks=[callbacks.BackupAndRestore(tmp_path)])


def test_backup_folder_that_cannot_be_written_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    X, y = _data()
    with pytest.raises(ValueError, match=r"BackupAndRestore: cannot write .*file\.txt"):
        _model().fit(X, y, epochs=1, verbose=0, callbacks=[callbacks.BackupAndRestore(blocker / "backup")])
    with pytest.raises(TypeError, match="backup_dir must be a non-empty str or path, got 3"):
        callbacks.BackupAndRestore(3)


def test_a_failed_write_leaves_the_previous_backup_intact(tmp_path, monkeypatch):
    model = _model()
    with pytest.raises(KeyboardInterrupt):
        _fit(model, tmp_path, extra=[_Interrupt(epoch=1)])
    before = (tmp_path / "backup.safetensors").read_bytes()

    import safetensors.numpy

    def crash_mid_write(tensors, filename, metadata=None):
        with open(filename, "wb") as handle:
            handle.write(b"\x00" * 100)            # half a file, then the process "dies"
        raise OSError("disk full")

    monkeypatch.setattr(safetensors.numpy, "save_file", crash_mid_write)
    with pytest.raises(OSError, match="disk full"):
        _fit(_model(), tmp_path)
    assert (tmp_path / "backup.safetensors").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["backup.safetensors"]


def test_checkpoint_best_value_survives_the_interruption(tmp_path):
    def run(folder, extra=()):
        check = callbacks.ModelCheckpoint(folder / "best-{epoch}.safetensors", save_best_only=True)
        X, y = _data()
        _model().fit(X, y, epochs=8, batch_size=16, validation_split=0.25, verbose=0, seed=0,
                     callbacks=[*extra, check, callbacks.BackupAndRestore(folder / "backup")])
        return [os.path.basename(p) for p in check.saved]

    reference = run(tmp_path / "ref")
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path / "run", extra=[_Interrupt(epoch=4)])
    resumed = run(tmp_path / "run")
    assert resumed == reference
    assert sorted(p.name for p in (tmp_path / "run").glob("*.safetensors")) == sorted(reference)


class _KilledBetween(callbacks.Callback):
    """The process dies after ``epoch``'s CSV row is written (order 0) and before its
    backup (order 20)."""

    order = 15

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            raise SystemExit("killed")


@pytest.mark.parametrize("append", [True, False])
def test_csv_logger_does_not_repeat_the_epoch_written_just_before_a_kill(tmp_path, append):
    def run(folder, extra=()):
        logger = callbacks.CSVLogger(folder / "log.csv", append=append)
        _fit(_model(), folder / "backup", extra=[*extra, logger])

    run(tmp_path / "ref")
    with pytest.raises(SystemExit):
        run(tmp_path / "run", extra=[_KilledBetween(epoch=3)])
    assert (tmp_path / "run" / "log.csv").read_text().count("\n4,") == 1     # row of epoch 4, no backup
    run(tmp_path / "run")
    assert (tmp_path / "run" / "log.csv").read_text() == (tmp_path / "ref" / "log.csv").read_text()
    rows = (tmp_path / "run" / "log.csv").read_text().splitlines()
    assert [row.split(",")[0] for row in rows] == ["epoch", *map(str, range(1, 9))]


def _strict(text):
    def refuse(constant):
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


class _Ratio(callbacks.Callback):
    """Logs a quantity that is infinite in the first epochs."""

    def on_epoch_end(self, epoch, logs=None):
        logs["ratio"] = float("inf") if epoch < 2 else 1.0


def test_backup_and_checkpoint_metadata_are_strict_json(tmp_path):
    from safetensors import safe_open

    check = callbacks.ModelCheckpoint(tmp_path / "m-{epoch}.safetensors")
    with pytest.raises(KeyboardInterrupt):
        _fit(_model(), tmp_path, extra=[_Ratio(), check, _Interrupt(epoch=2)])
    for name in ("backup.safetensors", "m-1.safetensors"):
        with safe_open(str(tmp_path / name), framework="numpy") as handle:
            header = [_strict(value) for value in (handle.metadata() or {}).values() if value[:1] in "{["]
        assert header
    _, meta = load_arrays(tmp_path / "backup.safetensors")
    assert meta["history"]["ratio"] == [None, None]
    assert callbacks.load_checkpoint(tmp_path / "m-1.safetensors")["logs"]["ratio"] is None
    hist = _fit(_model(), tmp_path, extra=[_Ratio()])              # resumes; null is read back as NaN
    assert np.isnan(hist.history["ratio"][:2]).all() and hist.history["ratio"][2:] == [1.0] * 6
