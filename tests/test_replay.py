"""Replayed training steps against the engine's: the same weights and history, bit for bit."""

import tracemalloc

import numpy as np
import pytest

import glassnet as gn
from glassnet import accel
from glassnet.callbacks import Callback
from glassnet.layers import BatchNormalization, Conv2D, Dense, Dropout, Flatten, MaxPool2D
from glassnet.training import replay


def _train(build, X, y, enabled, monkeypatch, **fit_args):
    monkeypatch.setattr(accel, "replay_allowed", lambda: enabled)
    model = build()
    history = model.fit(X, y, verbose=0, seed=3, **fit_args)
    return [p.data.copy() for p in model.parameters()], history.history


def _assert_same(build, X, y, monkeypatch, **fit_args):
    weights_graph, history_graph = _train(build, X, y, False, monkeypatch, **fit_args)
    weights_replay, history_replay = _train(build, X, y, True, monkeypatch, **fit_args)
    for a, b in zip(weights_graph, weights_replay, strict=True):
        np.testing.assert_array_equal(a, b)
    assert history_graph == history_replay


def _classifier():
    model = gn.Sequential([Dense(16, activation="relu", input_dim=5), Dense(8, activation="tanh"),
                           Dense(3, activation="softmax")], seed=0)
    model.compile(optimizer="adam", loss="cross_entropy", metrics=["accuracy"])
    return model


def _regressor():
    l2, both = gn.regularizers.L2(1e-2), gn.regularizers.L1L2(l1=1e-3, l2=1e-3)
    model = gn.Sequential([Dense(12, activation="sigmoid", input_dim=5, kernel_regularizer=l2),
                           Dense(6, activation="relu", kernel_regularizer=both),
                           Dense(1, kernel_regularizer=l2)], seed=0)
    model.compile(optimizer=gn.optim.SGD(lr=0.05, momentum=0.9, nesterov=True), loss="mse")
    return model


def _functional():
    a, b = gn.Input((5,)), gn.Input((3,))
    shared = Dense(4, activation="relu")
    h = gn.concatenate([shared(Dense(4)(a)), Dense(4, activation="elu")(b)], axis=-1)
    out1 = Dense(3, activation="softmax")(h)
    out2 = Dense(1)(h + Dense(8)(a))
    model = gn.Model([a, b], [out1, out2], seed=0)
    model.compile(optimizer="rmsprop", loss=["cross_entropy", "mse"])
    return model


def _cnn():
    model = gn.Sequential([Conv2D(3, 3, activation="relu", padding=1), MaxPool2D(2), Flatten(),
                           Dense(2, activation="sigmoid")], seed=0)
    model.compile(optimizer="adamw", loss="binary_cross_entropy")
    return model


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(53, 5)).astype(np.float32), rng.integers(0, 3, 53)


def test_classifier_with_a_partial_last_batch(data, monkeypatch):
    _assert_same(_classifier, *data, monkeypatch, epochs=3, batch_size=8)


def test_regression_with_two_penalties_sample_weights_and_validation(data, monkeypatch):
    X, labels = data
    y = (X @ np.arange(5.0) / 5.0).astype(np.float32).reshape(-1, 1)
    weights = 0.5 + labels.astype(np.float64)
    _assert_same(_regressor, X, y, monkeypatch, epochs=3, batch_size=10, sample_weight=weights,
                 validation_split=0.2)


def test_functional_model_with_two_inputs_a_shared_layer_and_two_losses(data, monkeypatch):
    X, labels = data
    X2 = np.tanh(X[:, :3]) * 2
    y2 = X.sum(axis=1, keepdims=True)
    _assert_same(_functional, [X, X2], [labels, y2], monkeypatch, epochs=2, batch_size=16)


def test_convolutional_network(monkeypatch):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(20, 1, 6, 6)).astype(np.float32)
    y = (rng.random((20, 2)) > 0.5).astype(np.float32)
    _assert_same(_cnn, X, y, monkeypatch, epochs=2, batch_size=7)


def test_replay_is_used_after_the_first_step_of_each_shape(data, monkeypatch):
    replayed = []
    original = replay.StepTape.forward
    monkeypatch.setattr(replay.StepTape, "forward",
                        lambda self, *args: replayed.append(1) or original(self, *args))
    _classifier().fit(*data, epochs=2, batch_size=8, verbose=0, seed=3)
    steps = 2 * 7  # 53 samples: six batches of 8 and one of 5, per epoch
    assert len(replayed) == steps - 2  # one recorded step for the shape (8, 5), one for (5, 5)


class _StepPeaks(Callback):
    """The peak memory NumPy traced during each training step, above what the step began with."""

    def __init__(self):
        super().__init__()
        self.peaks = []

    def on_batch_begin(self, batch, logs=None):
        tracemalloc.reset_peak()
        self.start = tracemalloc.get_traced_memory()[0]

    def on_batch_end(self, batch, logs=None):
        self.peaks.append(tracemalloc.get_traced_memory()[1] - self.start)


def _step_peaks(enabled, monkeypatch):
    monkeypatch.setattr(accel, "replay_allowed", lambda: enabled)
    model = gn.Sequential([Dense(128, activation="relu", input_dim=4), Dense(128, activation="tanh"),
                           Dense(1)], seed=0)
    model.compile(optimizer="adam", loss="mse")
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(512, 4)).astype(np.float32), rng.normal(size=(512, 1)).astype(np.float32)
    peaks = _StepPeaks()
    tracemalloc.start()
    try:
        model.fit(X, y, epochs=1, batch_size=128, shuffle=False, verbose=0, callbacks=[peaks])
    finally:
        tracemalloc.stop()
    return peaks.peaks


def test_a_replayed_step_frees_each_layer_s_arrays_once_its_backward_has_run(monkeypatch):
    # The step through the graph keeps every forward array until the step ends, and frees
    # each gradient once passed on; the replay frees both as it goes, so it never holds more.
    through_graph = _step_peaks(False, monkeypatch)
    replayed = _step_peaks(True, monkeypatch)
    assert max(replayed[1:]) < min(through_graph[1:]), (replayed, through_graph)


class _Freeze(Callback):
    """Freezes the first layer after the first epoch (its parameters stop requiring grad)."""

    def on_epoch_end(self, epoch, logs=None):
        for p in self.model.layers[0].parameters():
            p.requires_grad = False


def test_a_layer_frozen_during_training_gives_the_engine_s_numbers(data, monkeypatch):
    _assert_same(_classifier, *data, monkeypatch, epochs=3, batch_size=8, callbacks=[_Freeze()])


@pytest.mark.parametrize(
    "layers",
    [
        [Dense(4, activation="relu", input_dim=5), Dropout(0.5), Dense(3)],
        [Dense(4, input_dim=5), BatchNormalization(), Dense(3)],
        [Dense(4, activation=lambda z: z * 2, input_dim=5), Dense(3)],
    ],
    ids=["dropout", "batch-norm", "custom-activation"],
)
def test_models_with_randomness_state_or_unknown_code_are_not_replayed(layers):
    model = gn.Sequential(layers, seed=0)
    model.compile(optimizer="sgd", loss="cross_entropy")
    assert not replay.replayable(model, model.loss_fns)


def test_a_subclass_must_declare_a_static_graph_itself():
    class Noisy(Dense):
        def call(self, x):
            return super().call(x) + np.float32(self.rng.normal())

    model = gn.Sequential([Noisy(3, input_dim=5)], seed=0)
    model.compile(optimizer="sgd", loss="mse")
    assert not replay.replayable(model, model.loss_fns)
    plain = gn.Sequential([Dense(3, input_dim=5)], seed=0)
    plain.compile(optimizer="sgd", loss="mse")
    assert replay.replayable(plain, plain.loss_fns)
