"""``with gn.reference():``: no compiled kernel and no replay, in the calling thread only; the
training it gives equals the accelerated one bit for bit where glassnet.accel says so."""

import threading

import numpy as np
import pytest

import glassnet as gn
from glassnet import accel
from glassnet.layers import Dense
from glassnet.training import replay


class _Counting:
    """The compiled module, counting the calls of each kernel."""

    def __init__(self, module):
        self.module, self.calls = module, {}

    def __getattr__(self, name):
        kernel = getattr(self.module, name)

        def counted(*args):
            self.calls[name] = self.calls.get(name, 0) + 1
            return kernel(*args)

        return counted


@pytest.fixture
def counting(monkeypatch):
    if not accel.compiled_available():
        pytest.skip("the compiled kernels are not built")
    wrapper = _Counting(accel._compiled)
    monkeypatch.setattr(accel, "_compiled", wrapper)
    return wrapper


@pytest.fixture
def tapes(monkeypatch):
    """The number of training steps recorded for replay."""
    made = []
    original = replay.StepTape.__init__

    def counted(self, *args, **kwargs):
        made.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(replay.StepTape, "__init__", counted)
    return made


def _classifier(optimizer="adam"):
    model = gn.Sequential([Dense(16, activation="relu", input_dim=6), Dense(3, activation="softmax")], seed=0)
    model.compile(optimizer=optimizer, loss="cross_entropy")
    return model


def _data(classes=3):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 6)).astype(np.float32)
    return X, rng.integers(0, classes, 64)


def test_training_and_predicting_call_every_kernel_family_outside_reference_mode(counting):
    X, y = _data()
    for optimizer in ("adam", "sgd"):
        _classifier(optimizer).fit(X, y, epochs=1, batch_size=16, verbose=0).model.predict(X)
    assert set(counting.calls) == {"relu", "relu_grad", "softmax", "softmax_cross_entropy",
                                   "softmax_cross_entropy_grad", "adam", "sgd"}


def test_reference_mode_calls_no_kernel(counting):
    X, y = _data()
    with gn.reference():
        model = _classifier()
        model.fit(X, y, epochs=2, batch_size=16, verbose=0)
        model.predict(X)
        assert not accel.compiled_in_use()
    assert counting.calls == {}
    model.fit(X, y, epochs=1, batch_size=16, verbose=0)
    assert counting.calls


def test_reference_mode_replays_no_step(tapes):
    X, y = _data()
    with gn.reference():
        model = _classifier()
        model.fit(X, y, epochs=2, batch_size=16, verbose=0)
        assert not accel.replay_allowed()
    assert tapes == []
    model.fit(X, y, epochs=1, batch_size=16, verbose=0)
    assert tapes


def test_reference_mode_is_per_thread_and_restored_on_exit(counting):
    seen = {}

    def other_thread():
        seen["reference"] = accel.in_reference()
        seen["replay"] = accel.replay_allowed()
        seen["relu"] = accel.relu(np.array([-1.0, 2.0]))

    with gn.reference():
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
        with gn.reference():
            pass
        assert accel.in_reference()  # a nested block restores the outer one's mode
        accel.relu(np.array([-1.0, 2.0]))
    assert not accel.in_reference()
    assert seen["reference"] is False and seen["replay"] is True
    assert counting.calls == {"relu": 1}  # the other thread's call
    np.testing.assert_array_equal(seen["relu"], [0.0, 2.0])


def test_reference_mode_is_left_when_the_block_raises():
    with pytest.raises(KeyError), gn.reference():
        raise KeyError("x")
    assert not accel.in_reference()


def _regression_run(dtype, optimizer):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(96, 5)).astype(dtype)
    y = rng.normal(size=(96, 1)).astype(dtype)
    model = gn.Sequential([Dense(12, activation="relu", input_dim=5), Dense(8, activation="relu"),
                           Dense(1)], seed=0, dtype=dtype)
    model.compile(optimizer=optimizer, loss="mse")
    history = model.fit(X, y, epochs=3, batch_size=16, verbose=0, seed=2)
    return [p.data.copy() for p in model.parameters()], history.history, model.predict(X)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("optimizer", ["adam", "sgd", "nesterov", "adamw"])
def test_training_without_softmax_equals_the_reference_bit_for_bit(dtype, optimizer):
    """ReLU and the optimizer updates are bit for bit, and so is the replay."""
    weights, history, predictions = _regression_run(dtype, optimizer)
    with gn.reference():
        ref_weights, ref_history, ref_predictions = _regression_run(dtype, optimizer)
    for ours, theirs in zip(weights, ref_weights, strict=True):
        assert ours.tobytes() == theirs.tobytes()
    assert history == ref_history
    assert predictions.tobytes() == ref_predictions.tobytes()


def test_reference_is_exported():
    assert gn.reference is accel.reference and "reference" in gn.__all__
