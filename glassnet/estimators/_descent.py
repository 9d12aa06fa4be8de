"""What the linear estimators share: gradient descent on glassnet's engine.

A linear model z = x W + b trained by (mini-batch) gradient descent is the lectures'
one-layer network: the forward pass is one fused node (:func:`glassnet.functional.linear`),
the loss comes from :mod:`glassnet.losses`, ``loss.backward()`` computes dE/dW and dE/db
and :class:`glassnet.optim.SGD` takes the step  theta <- theta - eta dE/dtheta.

The objective minimised is the data loss averaged over the samples plus an L2 and an L1
penalty on the weights (never on the bias):

.. math::

    E(W, b) = \\frac{1}{n} \\sum_{i=1}^{n} \\ell(x_i W + b, y_i)
              + \\frac{\\alpha}{2 n} \\lVert W \\rVert_F^2 + \\lambda_1 \\lVert W \\rVert_1

The L2 term goes through ``backward``; the L1 term, not differentiable at 0, is handled
by its proximal step after each gradient step (proximal gradient descent, ISTA):
W <- sign(W) max(|W| - eta lambda_1, 0), which sets small weights exactly to zero.
A data loss that is not differentiable everywhere (the absolute error) is minimised by the
subgradient method: steps decaying geometrically from eta to eta / 10^6 over the iterations,
the best iterate kept.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from glassnet._grad_mode import no_grad
from glassnet.errors import NonFiniteError
from glassnet.functional import linear
from glassnet.optim import SGD
from glassnet.tensor import Tensor

__all__ = ["DataLoss", "DescentResult", "gradient_descent"]

DataLoss = Callable[[Tensor, np.ndarray], Tensor]
"""``data_loss(z, target)``: the loss of a batch averaged over its samples, a scalar Tensor."""


@dataclass
class DescentResult:
    """The trained weights (W of shape (features, outputs), b of shape (outputs,)) and the run."""

    W: np.ndarray
    b: np.ndarray
    loss_curve: list[float]
    n_iter: int
    converged: bool


@dataclass
class _Problem:
    X: np.ndarray
    target: np.ndarray
    data_loss: DataLoss
    alpha: float
    W: Tensor
    b: Tensor | None
    l1: float = 0.0

    def objective(self, rows: slice | None = None) -> Tensor:
        """E on the samples ``rows`` (all by default); the penalty is scaled by the full n."""
        X = self.X if rows is None else self.X[rows]
        target = self.target if rows is None else self.target[rows]
        loss = self.data_loss(linear(Tensor(X), self.W, self.b), target)
        if self.alpha:
            loss = loss + (self.W * self.W).sum() * (self.alpha / (2 * self.X.shape[0]))
        return loss

    def l1_term(self) -> float:
        """lambda_1 ||W||_1, the part of E outside the graph."""
        return self.l1 * float(np.abs(self.W.data).sum()) if self.l1 else 0.0

    def shrink(self, step: float) -> None:
        """The proximal step of lambda_1 ||W||_1: soft-thresholding by step lambda_1."""
        if self.l1:
            W = self.W.data
            W[...] = np.sign(W) * np.maximum(np.abs(W) - step * self.l1, 0.0)


def gradient_descent(
    X: np.ndarray,
    target: np.ndarray,
    data_loss: DataLoss,
    *,
    n_outputs: int,
    b0: np.ndarray | None,
    alpha: float,
    solver: str,
    learning_rate: float,
    max_iter: int,
    tol: float,
    batch_size: int,
    rng: np.random.Generator,
    name: str,
    l1: float = 0.0,
    subgradient: bool = False,
) -> DescentResult:
    """Train z = X W + b by gradient descent on the engine, starting from W = 0 and b = ``b0``
    (no bias when ``b0`` is None).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Floating-point inputs; the computation runs in their dtype.
    target : ndarray
        What ``data_loss`` compares z with (values, or integer class indices).
    solver : {"gd", "sgd"}
        "gd": one step per iteration on the whole training set. "sgd": one epoch per
        iteration, a step per mini-batch of ``batch_size`` samples in a fresh random order.
    tol : float
        The lectures' stopping rule: stop once the loss of an iteration differs from the
        previous one by less than ``tol``. With "gd", a rise by more than ``tol`` means the
        step is too large: training stops with a ConvergenceWarning.
    name : str
        The estimator's name, for messages.
    l1 : float, default 0.0
        lambda_1 of the L1 penalty, applied by its proximal step.
    subgradient : bool, default False
        For a data loss with kinks: the step decays from ``learning_rate`` to
        ``learning_rate / 1e6`` over ``max_iter`` iterations and the best iterate is kept.

    The data loss may train parameters of its own (HuberRegressor's scale): those listed in
    its ``parameters`` attribute take the same steps.
    """
    dtype = X.dtype
    problem = _Problem(
        X, target, data_loss, alpha,
        Tensor(np.zeros((X.shape[1], n_outputs), dtype=dtype), requires_grad=True),
        None if b0 is None else Tensor(np.asarray(b0, dtype=dtype).reshape(n_outputs), requires_grad=True),
        l1,
    )
    params = [problem.W] if problem.b is None else [problem.W, problem.b]
    params += list(getattr(data_loss, "parameters", []))
    optimizer = SGD(params, lr=learning_rate)
    if subgradient:
        curve, converged = _subgradient(problem, optimizer, params, solver=solver, max_iter=max_iter,
                                        tol=tol, batch_size=batch_size, rng=rng, name=name)
    else:
        curve, converged = _descend(problem, optimizer, solver=solver, max_iter=max_iter, tol=tol,
                                    batch_size=batch_size, rng=rng, name=name)
    b = np.zeros(n_outputs, dtype) if problem.b is None else problem.b.data.copy()
    return DescentResult(problem.W.data.copy(), b, curve, len(curve), converged)


def _descend(problem: _Problem, optimizer: SGD, *, solver: str, max_iter: int, tol: float,
             batch_size: int, rng: np.random.Generator, name: str) -> tuple[list[float], bool]:
    """The iterations and the stopping rule; returns the loss curve and whether it converged."""
    step = _full_batch_step if solver == "gd" else _mini_batch_epoch
    curve: list[float] = []
    previous = np.inf
    for iteration in range(1, max_iter + 1):
        loss = _checked_step(step, problem, optimizer, batch_size, rng, iteration, name)
        curve.append(loss)
        if solver == "gd" and loss > previous + tol:
            _warn(f"{name}: the loss rose from {previous:.6g} to {loss:.6g} at iteration "
                  f"{iteration}; learning_rate={optimizer.lr} is too large for this data "
                  "(lower it or scale X). Training stopped.")
            return curve, False
        if abs(previous - loss) < tol:
            return curve, True
        previous = loss
    _warn(f"{name}: gradient descent stopped after max_iter={max_iter} iterations before the "
          f"loss changed by less than tol={tol}; raise max_iter or learning_rate, or scale X.")
    return curve, False


def _subgradient(problem: _Problem, optimizer: SGD, params: list[Tensor], *, solver: str,
                 max_iter: int, tol: float, batch_size: int, rng: np.random.Generator,
                 name: str) -> tuple[list[float], bool]:
    """The subgradient method with geometrically decaying steps, eta_t = eta 10^(-6 t / max_iter)
    (from eta down to eta / 10^6 over the ``max_iter`` iterations; on a loss with a sharp
    minimum, as the absolute error, this converges linearly). The parameters end at the best
    iterate seen (the objective on all samples); it counts as converged when the best loss
    improved by less than ``tol`` over the last tenth of the iterations."""
    step = _full_batch_step if solver == "gd" else _mini_batch_epoch
    eta, curve = optimizer.lr, []
    best, best_values, bests = np.inf, [p.data.copy() for p in params], []
    for iteration in range(1, max_iter + 1):
        optimizer.lr = eta * 10.0 ** (-6.0 * iteration / max_iter)
        _checked_step(step, problem, optimizer, batch_size, rng, iteration, name)
        with no_grad():
            loss = problem.objective().item() + problem.l1_term()
        curve.append(loss)
        if loss < best:
            best, best_values = loss, [p.data.copy() for p in params]
        bests.append(best)
    optimizer.lr = eta
    for p, value in zip(params, best_values):
        p.data[...] = value
    converged = bests[-(max_iter // 10) - 1] - best < tol
    if not converged:
        _warn(f"{name}: the subgradient method still improved the loss by more than tol={tol} in the last "
              f"tenth of its max_iter={max_iter} iterations; raise max_iter or learning_rate, or scale X.")
    return curve, converged


def _checked_step(step: Callable[..., float], problem: _Problem, optimizer: SGD, batch_size: int,
                  rng: np.random.Generator, iteration: int, name: str) -> float:
    """One iteration; a diverging run (overflow, NaN) ends in one NonFiniteError that says why."""
    message = (
        f"{name}: the loss became NaN or inf at iteration {iteration}: learning_rate="
        f"{optimizer.lr} is too large for this data. Lower it, or scale X first (for example "
        "Pipeline([('scale', StandardScaler()), ('model', ...)]))"
    )
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            loss = step(problem, optimizer, batch_size, rng)
    except NonFiniteError as error:
        raise NonFiniteError(message) from error
    if not np.isfinite(loss):
        raise NonFiniteError(message)
    return loss


def _warn(message: str) -> None:
    warnings.warn(message, ConvergenceWarning, stacklevel=7)


def _full_batch_step(problem: _Problem, optimizer: SGD, batch_size: int,
                     rng: np.random.Generator) -> float:
    loss = problem.objective()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    problem.shrink(optimizer.lr)
    return loss.item() + problem.l1_term()


def _mini_batch_epoch(problem: _Problem, optimizer: SGD, batch_size: int,
                      rng: np.random.Generator) -> float:
    """One epoch; returns the mean of the batch losses weighted by batch size."""
    n = problem.X.shape[0]
    order = rng.permutation(n)
    shuffled = _Problem(problem.X[order], problem.target[order], problem.data_loss, problem.alpha,
                        problem.W, problem.b, problem.l1)
    total = 0.0
    for start in range(0, n, batch_size):
        rows = slice(start, min(start + batch_size, n))
        loss = shuffled.objective(rows)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        shuffled.shrink(optimizer.lr)
        total += (loss.item() + shuffled.l1_term()) * (rows.stop - rows.start)
    return total / n

