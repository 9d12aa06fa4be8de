"""Frozen weights (``layer.trainable = False`` or ``requires_grad = False``) never move, in
the graph and in the replayed training steps alike, whatever their penalty and optimizer."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import accel
from glassnet.callbacks import Callback
from glassnet.estimators import MLPRegressor
from glassnet.layers import Dense

REGULARIZERS = {"l2": "l2", "l1": "l1", "l1_l2": {"name": "l1_l2", "l1": 0.01, "l2": 0.01}}
OPTIMIZERS = {
    "sgd": lambda: gn.optim.SGD(lr=0.1),
    "momentum": lambda: gn.optim.SGD(lr=0.1, momentum=0.9),
    "adam": lambda: gn.optim.Adam(lr=0.01),
    "adamw": lambda: gn.optim.AdamW(lr=0.01, weight_decay=0.1),
    "clipnorm": lambda: gn.optim.SGD(lr=0.1, clipnorm=0.05),
}


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(40, 4)).astype(np.float32), rng.normal(size=(40, 1)).astype(np.float32)


def _sequential(reg):
    return gn.Sequential([Dense(6, activation="relu", kernel_regularizer=reg, input_dim=4),
                          Dense(1, kernel_regularizer=reg)], seed=0)


def _functional(reg):
    x = gn.Input((4,))
    h = Dense(6, activation="tanh", kernel_regularizer=reg)(x)
    return gn.Model(x, Dense(1, kernel_regularizer=reg)(h), seed=0)


class _FreezeFirst(Callback):
    def on_epoch_end(self, epoch, logs=None):
        self.model.layers[0].trainable = False


def _train(make, reg, optimizer, when, data, enabled, monkeypatch):
    """Train with the first layer frozen at ``when``; the weights and the history."""
    monkeypatch.setattr(accel, "replay_allowed", lambda: enabled)
    model = make(reg)
    if when == "before_build":
        model.layers[0].trainable = False
    model.build((4,))
    if when == "before_compile":
        model.layers[0].trainable = False
    model.compile(optimizer=optimizer(), loss="mse")
    if when == "after_compile":
        model.layers[0].trainable = False
    callbacks = [_FreezeFirst()] if when == "during_fit" else []
    if when == "between_fits":
        model.fit(*data, epochs=1, batch_size=8, verbose=0, seed=0)
        model.layers[0].trainable = False
    frozen = model.layers[0].W
    start = None if when == "during_fit" else frozen.data.copy()
    history = model.fit(*data, epochs=3, batch_size=8, verbose=0, seed=0, callbacks=callbacks)
    if start is not None:
        np.testing.assert_array_equal(frozen.data, start)
    return [p.data.copy() for p in model.parameters()], history.history


@pytest.mark.parametrize("make", [_sequential, _functional], ids=["sequential", "functional"])
@pytest.mark.parametrize("when", ["before_build", "before_compile", "after_compile", "between_fits",
                                  "during_fit"])
@pytest.mark.parametrize("reg", REGULARIZERS.values(), ids=REGULARIZERS.keys())
@pytest.mark.parametrize("optimizer", OPTIMIZERS.values(), ids=OPTIMIZERS.keys())
def test_a_frozen_penalized_layer_never_moves_and_both_paths_agree(make, when, reg, optimizer, data,
                                                                   monkeypatch):
    replayed = _train(make, reg, optimizer, when, data, True, monkeypatch)
    graph = _train(make, reg, optimizer, when, data, False, monkeypatch)
    for a, b in zip(replayed[0], graph[0]):
        np.testing.assert_array_equal(a, b)
    assert replayed[1] == graph[1]


def test_the_penalty_of_frozen_weights_still_counts_in_the_loss(data, monkeypatch):
    model = _sequential("l2")
    model.build((4,))
    model.trainable = False
    model.compile(optimizer="sgd", loss="mse")
    W = [p.data.copy() for p in model.parameters()]
    history = model.fit(*data, epochs=1, batch_size=8, verbose=0)
    assert history.history["reg_loss"][0] > 0
    for p, w in zip(model.parameters(), W):
        np.testing.assert_array_equal(p.data, w)


def test_trainable_freezes_the_weights_of_a_layer_and_can_be_undone():
    layer = Dense(3, input_dim=2)
    layer.trainable = False
    layer.ensure_built((2,))
    assert not layer.trainable and not any(p.requires_grad for p in layer.parameters())
    layer.trainable = True
    assert all(p.requires_grad for p in layer.parameters())
    with pytest.raises(TypeError, match="trainable must be True or False"):
        layer.trainable = "no"


def test_the_pytorch_style_optimizer_accepts_frozen_parameters_and_leaves_them():
    model = _sequential(None)
    model.build((4,))
    model.layers[0].trainable = False
    opt = gn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    W = model.layers[0].W.data.copy()
    for _ in range(2):
        opt.zero_grad()
        (model(np.ones((3, 4), dtype=np.float32)) ** 2).mean().backward()
        opt.step()
    np.testing.assert_array_equal(model.layers[0].W.data, W)


def test_the_estimators_training_path_leaves_a_frozen_layer(data):
    X, y = data
    est = MLPRegressor(hidden_layer_sizes=(5,), alpha=0.1, max_iter=3, warm_start=True, random_state=0)
    est.fit(X, y.ravel())
    first = est.model_.layers[0]
    first.trainable = False
    W = first.W.data.copy()
    est.fit(X, y.ravel())
    np.testing.assert_array_equal(first.W.data, W)


def test_the_summary_counts_frozen_weights_as_non_trainable():
    model = _sequential(None)
    model.build((4,))
    model.layers[0].trainable = False
    text = model.summary(print_fn=None)
    assert "Total params: 37" in text  # 4 x 6 + 6, then 6 x 1 + 1
    assert "Trainable params: 7" in text and "Non-trainable params: 30" in text
