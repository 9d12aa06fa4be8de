"""Keras's meaning of patience, min_delta, baseline, start_from_epoch and cooldown, epoch by
epoch on scripted sequences; callbacks after a run stopped for another reason."""

import numpy as np
import pytest

import glassnet as gn
from glassnet import callbacks
from glassnet.layers import Dense
from glassnet.optim import SGD


class _Script(callbacks.Callback):
    """Puts the next value of a scripted sequence into the logs as "score", before the
    callbacks under test read it (order -1), and keeps the weights of every epoch."""

    order = -1

    def __init__(self, values):
        self.values = values
        self.states = []

    def on_epoch_end(self, epoch, logs=None):
        logs["score"] = self.values[epoch]
        self.states.append(self.model.state_dict())


def _run(values, *watchers, lr=0.01):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, 2)).astype(np.float32)
    y = X.sum(axis=1, keepdims=True)
    model = gn.Sequential([Dense(1, input_dim=2)], seed=0)
    model.compile(optimizer=SGD(lr=lr), loss="mse")
    script = _Script(values)
    hist = model.fit(X, y, epochs=len(values), batch_size=4, verbose=0, seed=0, callbacks=[script, *watchers])
    return model, hist, script


@pytest.mark.parametrize("kwargs, values, epochs_run, best_epoch", [
    # best at epoch 5 (1-based); epochs 6, 7, 8 bring no improvement: patience 3 stops after 8
    ({"patience": 3}, [1.0, 0.8, 0.9, 0.85, 0.7, 0.75, 0.72, 0.71, 0.6, 0.5], 8, 5),
    # patience 0 and 1 both stop at the first epoch without improvement
    ({"patience": 0}, [1.0, 0.9, 0.95, 0.5], 3, 2),
    ({"patience": 1}, [1.0, 0.9, 0.95, 0.5], 3, 2),
    # min_delta 0.05: 0.96 is no improvement on 1.0, 0.94 is; 0.93 and 0.92 are not
    ({"patience": 2, "min_delta": 0.05}, [1.0, 0.96, 0.94, 0.93, 0.92, 0.5], 5, 3),
    # a baseline never beaten: improvements on the best do not reset the count
    ({"patience": 2, "baseline": 0.5}, [1.0, 0.9, 0.95, 0.97, 0.1], 3, 2),
    # a baseline beaten at epoch 2: counting as without one
    ({"patience": 2, "baseline": 0.95}, [1.0, 0.9, 0.95, 0.97, 0.1], 4, 2),
    # the first two epochs are not watched: 0.1 and 0.2 are not the best
    ({"patience": 1, "start_from_epoch": 2}, [0.1, 0.2, 1.0, 1.1, 0.05], 4, 3),
    ({"patience": 1}, [0.1, 0.2, 1.0, 1.1, 0.05], 2, 1),
    # mode max
    ({"patience": 2, "mode": "max"}, [0.5, 0.7, 0.6, 0.65, 0.9], 4, 2),
])
def test_early_stopping_counts_epochs_as_keras_does(kwargs, values, epochs_run, best_epoch):
    stop = callbacks.EarlyStopping(monitor="score", **kwargs)
    model, hist, script = _run(values, stop)
    assert len(hist.epoch) == epochs_run
    assert stop.stopped_epoch == epochs_run - 1 and stop.best_epoch == best_epoch - 1
    assert f"early stopping after epoch {epochs_run}" in hist.stopped_reason
    assert f"best epoch ({best_epoch}) were restored" in hist.stopped_reason
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, script.states[best_epoch - 1][key])


def test_early_stopping_runs_every_epoch_while_improving():
    stop = callbacks.EarlyStopping(monitor="score", patience=1)
    _, hist, _ = _run([1.0, 0.9, 0.8, 0.7], stop)
    assert len(hist.epoch) == 4 and stop.stopped_epoch is None and hist.stopped_reason is None


def test_early_stopping_verbose_says_when_it_stops(capsys):
    _run([1.0, 1.1, 1.2], callbacks.EarlyStopping(monitor="score", patience=1, verbose=1))
    out = capsys.readouterr().out
    assert "Epoch 2: early stopping" in out and "best epoch: 1" in out


@pytest.mark.parametrize("kwargs, values, lrs", [
    # patience 2: cut at the end of the 2nd epoch in a row without improvement; cooldown 1:
    # the epoch after a cut is not counted; the rate stops at min_lr
    ({"patience": 2, "cooldown": 1, "min_lr": 0.01}, [1.0] * 12,
     [0.08, 0.08, 0.08, 0.04, 0.04, 0.04, 0.02, 0.02, 0.02, 0.01, 0.01, 0.01]),
    # an improvement (0.5 at epoch 4) restarts the count
    ({"patience": 2}, [1.0, 1.0, 0.5, 0.6, 0.6, 0.6, 0.6],
     [0.08, 0.08, 0.08, 0.08, 0.08, 0.04, 0.04]),
    ({"patience": 0}, [1.0, 1.0, 1.0], [0.08, 0.08, 0.04]),
    # min_delta: 0.95 does not improve on 1.0 by more than 0.1
    ({"patience": 1, "min_delta": 0.1}, [1.0, 0.95, 0.8, 0.75], [0.08, 0.08, 0.04, 0.04]),
])
def test_reduce_lr_on_plateau_counts_epochs_as_keras_does(kwargs, values, lrs):
    reduce = callbacks.ReduceLROnPlateau(monitor="score", factor=0.5, **kwargs)
    _, hist, _ = _run(values, reduce, lr=0.08)
    np.testing.assert_allclose(hist.history["lr"], lrs, rtol=1e-12)


# ------------------------------------------------------- after a stop for another reason
def test_a_diverging_run_reports_the_divergence_not_a_missing_val_loss(tmp_path):
    """The rate jumps to 1e38 at epoch 3: TerminateOnNaN stops in its first batches, before
    validation; the callbacks watching val_loss skip that epoch instead of failing."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 2)).astype(np.float32)
    y = X.sum(axis=1, keepdims=True)
    model = gn.Sequential([Dense(8, activation="relu", input_dim=2), Dense(1)], seed=0)
    model.compile(optimizer=SGD(lr=0.01), loss="mse")
    stop = callbacks.EarlyStopping(patience=3)
    watchers = [callbacks.LearningRateScheduler(lambda epoch: 0.01 if epoch < 2 else 1e38), stop,
                callbacks.ReduceLROnPlateau(patience=1),
                callbacks.ModelCheckpoint(tmp_path / "best.safetensors", save_best_only=True),
                callbacks.ModelCheckpoint(tmp_path / "m-{epoch}-{val_loss:.3f}.safetensors")]
    with pytest.warns(RuntimeWarning, match=r"the loss became (nan|inf) at epoch 3, batch \d+"):
        hist = model.fit(X, y, epochs=10, batch_size=8, validation_split=0.25, verbose=0, seed=0,
                         callbacks=watchers)
    assert len(hist.epoch) == 3 and np.isnan(hist.history["val_loss"][2])
    assert hist.stopped_reason.startswith("training stopped: the loss became")
    assert "at epoch 3" in hist.stopped_reason and "best epoch (2) were restored" in hist.stopped_reason
    assert stop.best_epoch == 1 and stop.stopped_epoch is None
    val = hist.history["val_loss"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best.safetensors", f"m-1-{val[0]:.3f}.safetensors",
                                                          f"m-2-{val[1]:.3f}.safetensors"]
