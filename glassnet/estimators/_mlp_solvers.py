"""The solvers of the MLP estimators: the optimizer each one trains with, and its learning rate.

scikit-learn's three solvers keep their meaning: "sgd" is gradient descent with
``momentum`` (0.9) and ``nesterovs_momentum`` (on), "adam" takes ``beta_1``, ``beta_2`` and
``epsilon``, and "lbfgs" runs ``scipy.optimize.minimize`` (:mod:`._lbfgs`). glassnet adds
"gd" (plain gradient descent on the whole training set, one step per epoch), "momentum"
and "nesterov" (mini-batch SGD with ``momentum``, without / with Nesterov's look-ahead),
"adagrad", "rmsprop" and "adamw".
"""

from __future__ import annotations

from typing import Any

from glassnet import optim
from glassnet.optim import SGD, Adam, AdamW, Optimizer

__all__ = ["SOLVERS", "STOCHASTIC", "make_optimizer", "follows_rate_rules", "set_rate"]

#: The solvers that take a step per mini-batch (every one but "lbfgs").
STOCHASTIC = ("sgd", "momentum", "nesterov", "gd", "adam", "adamw", "adagrad", "rmsprop")
SOLVERS = (*STOCHASTIC, "lbfgs")

#: The solvers whose step is the learning rate times the gradient (with momentum): the ones
#: that ``learning_rate="invscaling"`` and ``"adaptive"`` act on, as on scikit-learn's "sgd".
_DESCENT = ("sgd", "momentum", "nesterov", "gd")


def follows_rate_rules(solver: str) -> bool:
    """Whether ``learning_rate="invscaling"`` / ``"adaptive"`` change the step of ``solver``.

    scikit-learn applies them to "sgd" only; "adam" (and glassnet's other adaptive solvers)
    keep ``learning_rate_init``.
    """
    return solver in _DESCENT


def make_optimizer(estimator: Any) -> Optimizer:
    """The optimizer of ``estimator.solver`` with the estimator's hyperparameters."""
    solver, lr = estimator.solver, estimator.learning_rate_init
    if solver in ("sgd", "momentum", "nesterov"):
        nesterov = {"sgd": estimator.nesterovs_momentum, "momentum": False, "nesterov": True}[solver]
        return SGD(lr=lr, momentum=estimator.momentum, nesterov=nesterov and estimator.momentum > 0)
    if solver == "gd":
        return SGD(lr=lr)
    if solver == "adam":  # scikit-learn's epsilon is Keras's: added to sqrt(v) before the bias correction
        return Adam(lr=lr, beta1=estimator.beta_1, beta2=estimator.beta_2, epsilon=estimator.epsilon)
    if solver == "adamw":
        return AdamW(lr=lr, beta1=estimator.beta_1, beta2=estimator.beta_2, eps=estimator.epsilon)
    return optim.get(solver, lr=lr)


def set_rate(optimizer: Optimizer, lr: float) -> None:
    """Give ``optimizer`` the learning rate ``lr``, keeping scikit-learn's momentum.

    scikit-learn's velocity holds the learning rate, v <- mu v - eta g, w <- w + v (Nesterov:
    w <- w + mu v - eta g); glassnet's SGD (torch's) keeps a buffer of gradients,
    b <- mu b + g, w <- w - eta b. The two are the same steps, v = -eta b, while eta is
    constant; when it changes from eta to eta', scaling the buffer by eta / eta' keeps
    v = -eta' b, so the steps stay scikit-learn's.
    """
    old = optimizer.lr
    if lr == old:
        return
    if isinstance(optimizer, SGD) and optimizer.momentum and lr > 0:
        for group in optimizer._groups:  # the flat buffers, scaled in place
            buffer = group.state.get("momentum_buffer")
            if buffer is not None:
                buffer *= old / lr
    optimizer.lr = lr
