"""Keras's and PyTorch's habits around losses, optimizers, regularizers and learning-rate
schedules: each works with the same meaning, or fails at once naming glassnet's spelling."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import losses, optim, regularizers


def test_a_loss_given_keras_argument_order_says_to_swap_them():
    model = gn.Sequential([gn.layers.Dense(1, input_dim=2)], seed=0)
    y_pred = model(gn.tensor(np.ones((3, 2))))
    with pytest.raises(ValueError, match=r"y_true requires grad.*\(y_pred, y_true\).*swap"):
        losses.MSE()(np.zeros((3, 1)), y_pred)


def test_keras_lower_case_regularizers_are_the_same_classes():
    assert regularizers.l2(1e-4).get_config() == regularizers.L2(1e-4).get_config()
    assert regularizers.l1(0.1).get_config() == regularizers.L1(0.1).get_config()
    assert regularizers.l1_l2(l1=0.1, l2=0.2).get_config() == regularizers.L1L2(0.1, 0.2).get_config()
    with pytest.raises(ValueError, match=r"l2 must be in \[0, inf\), got -0.0001"):
        regularizers.l2(-1e-4)


def test_learning_rate_is_keras_name_for_lr_when_read_and_set():
    opt = optim.Adam(learning_rate=0.01)
    assert opt.learning_rate == opt.lr == 0.01
    opt.learning_rate = 0.5
    assert opt.lr == 0.5
    with pytest.raises(ValueError, match="lr must be"):
        opt.learning_rate = -1.0


def test_learning_rate_scheduler_takes_keras_verbose(capsys):
    X = np.random.default_rng(0).normal(size=(20, 2))
    model = gn.Sequential([gn.layers.Dense(1, input_dim=2)], seed=0)
    model.compile(optimizer=optim.SGD(lr=0.1), loss="mse")
    scheduler = gn.callbacks.LearningRateScheduler(lambda epoch: 0.1 / (1 + epoch), verbose=1)
    model.fit(X, X[:, :1], epochs=2, verbose=0, callbacks=[scheduler])
    out = capsys.readouterr().out
    assert "Epoch 1: LearningRateScheduler setting learning rate to 0.1." in out
    assert "Epoch 2: LearningRateScheduler setting learning rate to 0.05." in out
    with pytest.raises(ValueError, match=r"verbose must be 0 \(silent\), 1 or 2 .*got 3"):
        gn.callbacks.LearningRateScheduler(lambda epoch: 0.1, verbose=3)
