"""solver="lbfgs": the network's weights fitted by L-BFGS on the whole training set.

The objective is the one the stochastic solvers follow batch by batch, taken over all n
training samples at once: the data loss averaged over the samples plus the penalties
alpha / (2 n) ||W||^2 (and l1 / n |W|), as scikit-learn's "lbfgs". glassnet's training
loop computes it and its gradient (one full-batch step whose optimizer leaves the weights
alone); ``scipy.optimize.minimize(method="L-BFGS-B")`` chooses the weights, with
scikit-learn's settings: at most ``max_iter`` iterations and ``max_fun`` evaluations,
``gtol=tol``. scipy is imported here only, when this solver runs.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from glassnet.errors import NonFiniteError
from glassnet.estimators._mlp_training import NonFiniteStop, Output
from glassnet.optim import Optimizer

__all__ = ["fit_lbfgs", "GradientOnly"]


class GradientOnly(Optimizer):
    """An optimizer that leaves the weights as they are: a training step with it only
    computes the objective and the gradients in ``.grad``."""

    name = "gradient_only"

    def __init__(self) -> None:
        super().__init__(None, 0.0)

    def _update(self, group: Any, g: np.ndarray) -> None:
        return None


class _Objective:
    """The objective as scipy wants it: a function of one flat float64 vector of weights,
    returning the value and the gradient.

    Both are scikit-learn's: the value of ``loss_curve_`` (glassnet's loss and penalty scaled
    as :class:`~glassnet.estimators._mlp_training.Output` says) and glassnet's gradient times
    ``output.penalty_scale``. For a regressor of k > 1 outputs, scikit-learn's value averages
    the squared error over the outputs while its gradient is that of their sum; the pair is
    kept as it is, so that the iterations are scikit-learn's.
    """

    def __init__(self, model: Any, X: np.ndarray, target: np.ndarray, sample_weight: Any,
                 output: Output) -> None:
        self.model, self.X, self.target, self.sample_weight = model, X, target, sample_weight
        self.output = output
        self.params = model.parameters()
        self.splits = np.cumsum([p.data.size for p in self.params])[:-1]

    def pack(self) -> np.ndarray:
        return np.concatenate([p.data.ravel() for p in self.params]).astype(np.float64)

    def unpack(self, theta: np.ndarray) -> None:
        for p, part in zip(self.params, np.split(theta, self.splits), strict=True):
            p.data[...] = part.reshape(p.data.shape)

    def __call__(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        self.unpack(theta)
        guard = NonFiniteStop()
        logs = self.model.fit(self.X, self.target, epochs=1, batch_size=self.X.shape[0], shuffle=False,
                              verbose=0, sample_weight=self.sample_weight, callbacks=[guard]).history
        if guard.diverged:
            raise NonFiniteError(
                "the loss became NaN or inf during the L-BFGS iterations: the inputs are badly "
                "scaled for this network. Scale X first (for example Pipeline([('scale', "
                "StandardScaler()), ('net', ...)])).")
        loss, penalty = logs["loss"][-1], logs.get("reg_loss", [0.0])[-1]
        value = loss * self.output.data_scale + penalty * self.output.penalty_scale
        grad = np.concatenate([p.grad.ravel() for p in self.params]).astype(np.float64)
        return value, self.output.penalty_scale * grad


def fit_lbfgs(estimator: Any, X: np.ndarray, target: np.ndarray, sample_weight: Any,
              output: Output) -> None:
    """Fit ``estimator.model_`` by L-BFGS-B from its current weights and set the fitted
    attributes: ``n_iter_`` (iterations), ``loss_``, ``loss_curve_`` (one value per iteration,
    appended to the curve of earlier warm-start fits) and ``best_loss_``."""
    from scipy.optimize import minimize

    model = estimator.model_
    model.compile(optimizer=GradientOnly(), loss=output.loss)
    total_weight = X.shape[0] if sample_weight is None else float(np.sum(sample_weight))
    estimator._penalty.scale(estimator.alpha, estimator.l1, total_weight * output.penalty_scale)
    objective = _Objective(model, X, target, sample_weight, output)
    curve: list[float] = []

    def iteration_done(intermediate_result: Any) -> None:
        curve.append(float(intermediate_result.fun))
        if estimator.verbose:
            print(f"Iteration {len(curve)}, loss = {curve[-1]:.8f}")

    result = minimize(objective, objective.pack(), method="L-BFGS-B", jac=True, callback=iteration_done,
                      options={"maxiter": estimator.max_iter, "maxfun": estimator.max_fun,
                               "gtol": estimator.tol})
    objective.unpack(result.x)
    estimator.loss_ = float(result.fun)
    estimator.n_iter_ = int(result.nit)
    estimator.loss_curve_ += curve
    estimator.best_loss_ = min([estimator.loss_, *estimator.loss_curve_])
    if result.status != 0:
        warnings.warn(
            f"{type(estimator).__name__}: L-BFGS stopped after {result.nit} iteration(s) before "
            f"converging ({result.message}). Raise max_iter (now {estimator.max_iter}) or max_fun "
            f"(now {estimator.max_fun}), or scale X.", ConvergenceWarning, stacklevel=5)
