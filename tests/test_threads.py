"""Grad mode and evaluation mode are per thread, as in PyTorch: what one thread does with
``no_grad``, ``predict`` or ``evaluate`` never changes what another thread computes.

Interleavings are forced with events and barriers, so each test runs the same way every time.
"""

from __future__ import annotations

import threading

import numpy as np

import glassnet as gn
from glassnet.callbacks import Callback
from glassnet.layers import Dense, Dropout, Layer

TIMEOUT = 30


def _run(*targets):
    """Run each target in its own thread; re-raise the first error."""
    errors = []

    def guarded(target):
        try:
            target()
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
        assert not t.is_alive(), "a thread did not finish"
    if errors:
        raise errors[0]


def _data(seed=0, n=48):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)).astype(np.float32)
    return X, (X[:, 0] > 0).astype(np.int64)


def _model(seed=0, dropout=0.0):
    layers = [Dense(8, activation="relu", input_dim=4)]
    if dropout:
        layers.append(Dropout(dropout))
    model = gn.Sequential([*layers, Dense(2, activation="softmax")], seed=seed)
    model.compile(optimizer="sgd", loss="cross_entropy", metrics=["accuracy"])
    model.build()
    return model


def test_no_grad_in_one_thread_leaves_recording_on_in_another():
    inside, checked = threading.Event(), threading.Event()
    seen = {}

    def a():
        with gn.no_grad():
            seen["a"] = gn.is_grad_enabled()
            inside.set()
            assert checked.wait(TIMEOUT)

    def b():
        assert inside.wait(TIMEOUT)
        x = gn.tensor([1.0], requires_grad=True)
        seen["b"] = gn.is_grad_enabled(), (x * 2).requires_grad
        checked.set()

    _run(a, b)
    assert seen == {"a": False, "b": (True, True)}


def test_a_new_thread_starts_with_grad_enabled():
    seen = []
    with gn.no_grad():
        _run(lambda: seen.append(gn.is_grad_enabled()))
    assert seen == [True]


def test_overlapping_no_grad_blocks_leave_recording_on_in_every_thread():
    """A enters, B enters, A leaves, B leaves: with one shared flag, B would restore the
    'off' it found when it entered, and recording would stay off for good."""
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    after = {}

    def a():
        with gn.no_grad():
            a_in.set()
            assert b_in.wait(TIMEOUT)
        a_out.set()
        after["a"] = gn.is_grad_enabled()

    def b():
        assert a_in.wait(TIMEOUT)
        with gn.no_grad():
            b_in.set()
            assert a_out.wait(TIMEOUT)
        after["b"] = gn.is_grad_enabled()

    _run(a, b)
    assert after == {"a": True, "b": True}
    assert gn.is_grad_enabled()


class _Meeting(Layer):
    """The identity. In the threads named "first" and "second" it waits until both are
    inside ``predict``; "second" then waits until "first" has returned."""

    def __init__(self, first_done):
        super().__init__("meeting")
        self.barrier, self.first_done = threading.Barrier(2), first_done
        self.modes = []

    def call(self, x):
        name = threading.current_thread().name
        if name in ("first", "second"):
            self.modes.append((self.training, gn.is_grad_enabled()))
            self.barrier.wait(TIMEOUT)
        if name == "second":
            assert self.first_done.wait(TIMEOUT)
        return x


def test_overlapping_predictions_on_one_model_leave_its_mode_and_grad_mode_alone():
    first_done = threading.Event()
    meeting = _Meeting(first_done)
    model = gn.Sequential([Dense(3, input_dim=4), meeting, Dropout(0.5), Dense(2)], seed=0)
    model.build()
    X = np.ones((5, 4), dtype=np.float32)
    results = {}

    def first():
        results["first"] = model.predict(X)
        first_done.set()

    def second():
        results["second"] = model.predict(X)

    threads = [threading.Thread(target=f, name=f.__name__) for f in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
    assert model.training and gn.is_grad_enabled()
    assert meeting.modes == [(False, False), (False, False)]
    np.testing.assert_array_equal(results["first"], results["second"])
    np.testing.assert_array_equal(results["first"], model.predict(X))


class _HoldBatches(Callback):
    """Lets the first batch run only while the other thread is inside no_grad/predict."""

    def __init__(self, other_inside, first_batch_done):
        super().__init__()
        self.other_inside, self.first_batch_done = other_inside, first_batch_done

    def on_train_begin(self, logs=None):
        assert self.other_inside.wait(TIMEOUT)

    def on_batch_end(self, batch, logs=None):
        self.first_batch_done.set()


def _reference_fit(X, y, dropout):
    model = _model(dropout=dropout)
    history = model.fit(X, y, epochs=2, batch_size=8, verbose=0, seed=1)
    return [p.data.copy() for p in model.parameters()], history.history


def test_fit_in_one_thread_while_another_predicts_and_uses_no_grad():
    X, y = _data()
    expected_weights, expected_history = _reference_fit(X, y, dropout=0.25)
    other = _model(seed=5, dropout=0.25)
    expected_predictions = other.predict(X)
    other_inside, first_batch_done = threading.Event(), threading.Event()
    trained = _model(dropout=0.25)
    outcome = {}

    def fit():
        callback = _HoldBatches(other_inside, first_batch_done)
        outcome["history"] = trained.fit(X, y, epochs=2, batch_size=8, verbose=0, seed=1,
                                         callbacks=[callback]).history

    def predict_meanwhile():
        with gn.no_grad():
            other_inside.set()
            assert first_batch_done.wait(TIMEOUT)
        outcome["predictions"] = [other.predict(X) for _ in range(20)]
        outcome["predict_grad"] = gn.is_grad_enabled()

    _run(fit, predict_meanwhile)
    assert outcome["history"] == expected_history
    for p, w in zip(trained.parameters(), expected_weights):
        np.testing.assert_array_equal(p.data, w)
    for predictions in outcome["predictions"]:
        np.testing.assert_array_equal(predictions, expected_predictions)
    assert outcome["predict_grad"] and other.training and trained.training


def test_many_concurrent_predictions_leave_grad_enabled_in_every_thread():
    X, _ = _data()
    model = _model(dropout=0.5)
    expected = model.predict(X)
    start = threading.Barrier(6)
    after = []

    def predict_many():
        start.wait(TIMEOUT)
        for _ in range(30):
            np.testing.assert_array_equal(model.predict(X), expected)
            model.evaluate(X, (X[:, 0] > 0).astype(np.int64))
        after.append(gn.is_grad_enabled())

    _run(*[predict_many] * 6)
    assert after == [True] * 6
    assert gn.is_grad_enabled() and model.training



def test_overlapping_fits_give_back_the_blas_threads_they_limit():
    """Two fits limit the process's BLAS threads and end in the order they started: the
    original count comes back (each restoring what it found would leave one thread)."""
    from glassnet import _parallel
    from glassnet.training import loop

    def blas_threads():  # of the libraries the fits limit
        return [i["num_threads"] for i in _parallel.blas_controller().info() if i["user_api"] == "blas"]

    model = _model()
    with _parallel.blas_controller().limit(limits=2, user_api="blas"):
        first, second = loop._blas_threads(model, 8), loop._blas_threads(model, 8)
        first.__enter__()
        second.__enter__()
        assert set(blas_threads()) == {1}
        first.__exit__(None, None, None)
        assert set(blas_threads()) == {1}  # the second fit still runs
        second.__exit__(None, None, None)
        assert set(blas_threads()) == {2}
