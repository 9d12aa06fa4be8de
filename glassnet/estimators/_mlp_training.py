"""How the MLP estimators train: the network, the penalty, and scikit-learn's stopping rules.

The estimators train a :class:`glassnet.Sequential` with its own ``fit`` (the training
loop); the two callbacks here add scikit-learn's bookkeeping to every epoch: the loss
curve, the learning-rate rules, the ``tol`` / ``n_iter_no_change`` stopping rule and the
validation score of ``early_stopping``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from numbers import Integral
from typing import Any, NamedTuple

import numpy as np

from glassnet.estimators._mlp_solvers import follows_rate_rules, set_rate
from glassnet.layers import Activation, BatchNormalization, Dense, Dropout, GaussianHead
from glassnet.models import Sequential
from glassnet.regularizers import L1L2
from glassnet.training.callbacks import Callback, TerminateOnNaN

__all__ = ["Output", "hidden_sizes", "build_network", "Penalty", "EpochMonitor", "NonFiniteStop"]

#: scikit-learn's "adaptive" rule stops once the learning rate is at most this.
_SMALLEST_RATE = 1e-6


class Output(NamedTuple):
    """The output layer and loss of a task, and how its loss maps to scikit-learn's.

    The loss reported in ``loss_curve_`` is ``data_scale * data loss + penalty_scale *
    penalty``, scikit-learn's value; the penalty's coefficients are divided by
    ``penalty_scale`` so that the minimiser stays scikit-learn's.
    """

    units: int
    activation: str
    loss: Any
    data_scale: float = 1.0
    penalty_scale: float = 1.0


def hidden_sizes(value: Any) -> list[int]:
    """``hidden_layer_sizes`` as a list of positive ints, or a ValueError naming it."""
    sizes = [value] if isinstance(value, Integral) else list(value)
    if any(isinstance(s, bool) or not isinstance(s, Integral) or s < 1 for s in sizes):
        raise ValueError(
            f"hidden_layer_sizes must be positive integers (units per hidden layer), got {value!r}")
    return [int(s) for s in sizes]


def build_network(n_features: int, hidden: list[int], n_outputs: int, *, activation: str,
                  out_activation: str, dropout: float, batch_norm: bool, penalty: Penalty,
                  dtype: np.dtype, seed: int) -> Sequential:
    """Dense layers of ``hidden`` units (each optionally followed by batch normalization before
    its activation, and by dropout), then a Dense output layer with ``out_activation`` (for
    ``"gaussian"``, a :class:`~glassnet.layers.GaussianHead`: a mean and a variance per
    output); every Dense layer's W is penalised by ``penalty``."""
    layers: list[Any] = []
    for units in hidden:
        if batch_norm:
            layers += [Dense(units, kernel_regularizer=penalty), BatchNormalization(),
                       Activation(activation)]
        else:
            layers.append(Dense(units, activation=activation, kernel_regularizer=penalty))
        if dropout:
            layers.append(Dropout(dropout))
    if out_activation == "gaussian":
        layers.append(GaussianHead(n_outputs, kernel_regularizer=penalty))
    else:
        output = None if out_activation == "identity" else out_activation
        layers.append(Dense(n_outputs, activation=output, kernel_regularizer=penalty))
    layers[0].input_dim = n_features
    return Sequential(layers, seed=seed, dtype=dtype)


class Penalty(L1L2):
    r""":class:`glassnet.regularizers.L1L2` shared by a network's Dense layers, with
    coefficients set per fit.

    For a batch of total sample weight m (its size when unweighted), the estimators set

    .. math:: l_2 = \frac{\alpha}{2 m}, \qquad l_1 = \frac{l1}{m},

    scikit-learn's ``alpha / (2 n_B) ||W||^2`` for alpha (see :meth:`scale`). Being one
    object on every layer, the model computes it for all of their weights in one node.
    Saved models record an ordinary ``l1_l2`` regularizer on every Dense layer.
    """

    def scale(self, alpha: float, l1: float, weight: float) -> None:
        """Set l2 = alpha / (2 weight) and l1 = l1 / weight."""
        self.l1, self.l2 = l1 / weight, alpha / (2.0 * weight)


class NonFiniteStop(TerminateOnNaN):
    """Stops training at a NaN or inf loss without a warning; the estimator raises instead."""

    def __init__(self) -> None:
        super().__init__()
        self.diverged = False

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if math.isfinite((logs or {}).get("loss", 0.0)):
            return
        self.diverged = True
        self.model.stop_training = True
        self.run.restore_last_finite_weights()


class EpochMonitor(Callback):
    """scikit-learn's end-of-epoch rules, written into the estimator's fitted attributes.

    At the start of an epoch the optimizer gets the estimator's learning rate. At its end:
    the loss (data loss and penalty, each scaled as ``output`` says) joins ``loss_curve_``; with a
    validation set its score joins ``validation_scores_`` and the best weights are kept; the
    epoch counts as no improvement when the loss is above ``best_loss_ - tol`` (or the score
    below ``best_validation_score_ + tol``). After more than ``n_iter_no_change`` such epochs
    in a row, training stops, or with ``learning_rate="adaptive"`` the rate is divided by 5
    (training stops once it is at most 1e-6).

    Parameters
    ----------
    estimator : the MLP estimator being fitted
    n_train : int
        Training samples per epoch (scikit-learn's ``t_`` advances by it).
    output : Output
        Its ``data_scale`` and ``penalty_scale`` turn the logged losses into scikit-learn's.
    validation : callable or None
        ``validation()`` -> score of the current network on the held-out set.
    """

    def __init__(self, estimator: Any, n_train: int, output: Output,
                 validation: Callable[[], float] | None) -> None:
        self.estimator = estimator
        self.n_train = n_train
        self.output = output
        self.validation = validation
        self.stopped = False

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        est = self.estimator
        if callable(est.learning_rate):
            est._lr = float(est.learning_rate(len(est.loss_curve_)))
        set_rate(self.model.optimizer, est._lr)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        est = self.estimator
        logs = logs or {}
        loss = (logs["loss"] * self.output.data_scale
                + logs.get("reg_loss", 0.0) * self.output.penalty_scale)
        est.n_iter_ += 1
        est.t_ += self.n_train
        est.loss_ = loss
        est.loss_curve_.append(loss)
        if est.verbose:
            print(f"Iteration {est.n_iter_}, loss = {loss:.8f}")
        if self.validation is not None:
            self._score_validation()
        else:
            self._watch_loss(loss)
        if est.learning_rate == "invscaling" and follows_rate_rules(est.solver):
            est._lr = est.learning_rate_init / (est.t_ + 1) ** est.power_t
        if est._no_improvement_count > est.n_iter_no_change:
            self._plateau()

    def _score_validation(self) -> None:
        est = self.estimator
        score = self.validation()
        est.validation_scores_.append(score)
        if est.verbose:
            print(f"Validation score: {score:f}")
        if score < est.best_validation_score_ + est.tol:
            est._no_improvement_count += 1
        else:
            est._no_improvement_count = 0
        if score > est.best_validation_score_:
            est.best_validation_score_ = score
            est._best_state = self.model.state_dict()

    def _watch_loss(self, loss: float) -> None:
        est = self.estimator
        if loss > est.best_loss_ - est.tol:
            est._no_improvement_count += 1
        else:
            est._no_improvement_count = 0
        est.best_loss_ = min(est.best_loss_, loss)

    def _plateau(self) -> None:
        est = self.estimator
        watched = "Validation score" if self.validation is not None else "Training loss"
        message = (f"{watched} did not improve more than tol={est.tol:f} for "
                   f"{est.n_iter_no_change} consecutive epochs.")
        adaptive = est.learning_rate == "adaptive" and follows_rate_rules(est.solver)
        if adaptive and est._lr > _SMALLEST_RATE:
            est._lr /= 5.0
            est._no_improvement_count = 0
            if est.verbose:
                print(f"{message} Setting learning rate to {est._lr:f}")
            return
        if est.verbose:
            print(message + (" Learning rate too small. Stopping." if adaptive else " Stopping."))
        self.stopped = True
        self.model.stop_training = True
