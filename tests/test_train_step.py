"""The training step as one public function, and a model's own ``train_step`` method."""

import numpy as np
import pytest

import glassnet as gn
from glassnet import accel
from glassnet.layers import Dense, Layer


def _data(n=32):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 4)).astype(np.float32), rng.integers(0, 3, n)


def _layers():
    return [Dense(8, activation="relu", input_dim=4), Dense(3, activation="softmax")]


def test_fit_trains_with_train_step_one_step_per_batch():
    X, y = _data()
    model = gn.Sequential(_layers(), seed=0)
    model.compile(optimizer=gn.optim.SGD(lr=0.1), loss="cross_entropy")
    manual = gn.Sequential(_layers(), seed=0)
    manual.compile(optimizer=gn.optim.SGD(lr=0.1), loss="cross_entropy")
    manual.optimizer.bind(manual.parameters())
    model.fit(X, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    for start in (0, 16):
        step = gn.training.train_step(manual, [X[start:start + 16]], [y[start:start + 16]])
        assert np.isfinite(step.loss.item()) and step.penalty is None
    for a, b in zip(model.parameters(), manual.parameters()):
        np.testing.assert_array_equal(a.data, b.data)


class Counting(gn.Sequential):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.steps = 0

    def train_step(self, x, y, sample_weight=None):
        self.steps += 1
        return gn.training.train_step(self, x, y, sample_weight)


def test_a_model_s_own_train_step_is_called_for_every_batch():
    X, y = _data()
    model = Counting(_layers(), seed=0)
    model.compile(optimizer="adam", loss="cross_entropy")
    plain = gn.Sequential(_layers(), seed=0)
    plain.compile(optimizer="adam", loss="cross_entropy")
    h1 = model.fit(X, y, epochs=2, batch_size=8, verbose=0, seed=1)
    h2 = plain.fit(X, y, epochs=2, batch_size=8, verbose=0, seed=1)
    assert model.steps == 8
    assert h1.history == h2.history


class _CountCalls(Layer):
    calls = 0

    def call(self, x):
        _CountCalls.calls += 1
        return x


def test_fit_runs_the_network_once_per_batch_and_no_shape_probe():
    X, y = _data()
    model = gn.Sequential([Dense(3, input_dim=4), _CountCalls(), gn.layers.Activation("softmax")], seed=0)
    model.compile(optimizer="adam", loss="cross_entropy", metrics=["accuracy"])
    _CountCalls.calls = 0
    model.fit(X, y, epochs=1, batch_size=16, verbose=0, shuffle=False)
    assert _CountCalls.calls == 2


def _penalized(monkeypatch, enabled):
    monkeypatch.setattr(accel, "replay_allowed", lambda: enabled)
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 4)).astype(np.float32)
    y = rng.normal(size=(40, 1)).astype(np.float32)
    l2 = gn.regularizers.L2(0.01)

    class Raise(gn.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            l2.l2 = 0.05 * (epoch + 1)

    model = gn.Sequential([Dense(6, activation="tanh", input_dim=4, kernel_regularizer=l2),
                           Dense(1, kernel_regularizer=l2)], seed=0)
    model.compile(optimizer=gn.optim.SGD(lr=0.05), loss="mse")
    history = model.fit(X, y, epochs=3, batch_size=8, verbose=0, seed=0, callbacks=[Raise()])
    return [p.data.copy() for p in model.parameters()], history.history


def test_a_penalty_changed_during_training_counts_in_replayed_steps(monkeypatch):
    weights_graph, history_graph = _penalized(monkeypatch, False)
    weights_replay, history_replay = _penalized(monkeypatch, True)
    assert history_graph == history_replay
    assert len(set(history_graph["reg_loss"])) == 3
    for a, b in zip(weights_graph, weights_replay, strict=True):
        np.testing.assert_array_equal(a, b)


def test_the_run_s_state_lives_on_the_run_and_callbacks_reach_it():
    X, y = _data()
    model = gn.Sequential(_layers(), seed=0)
    model.compile(optimizer=gn.optim.SGD(lr=1e30), loss="cross_entropy")
    seen = {}

    class Watch(gn.callbacks.Callback):
        def on_train_end(self, logs=None):
            seen["reason"] = self.run.stop_reason

    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning, match="training stopped"):
        history = model.fit(X * 1e20, y, epochs=3, batch_size=8, verbose=0, callbacks=[Watch()])
    assert seen["reason"] == history.stopped_reason and "loss became" in seen["reason"]
    assert not hasattr(model, "_stop_reason") and not hasattr(model, "_snapshot")
    assert all(np.isfinite(p.data).all() for p in model.parameters())
