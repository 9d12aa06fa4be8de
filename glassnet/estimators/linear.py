"""Linear and logistic regression as scikit-learn estimators, solved directly or on the engine."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin, MultiOutputMixin, RegressorMixin, _fit_context
from sklearn.preprocessing import LabelEncoder
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from glassnet.activations._arrays import _log_softmax
from glassnet.estimators._base import Estimator, rng_from
from glassnet.estimators._descent import DescentResult, gradient_descent
from glassnet.estimators._regression_losses import ScaledHuber, absolute, squared
from glassnet.losses import BinaryCrossEntropy, CrossEntropy

__all__ = ["LinearRegression", "LogisticRegression"]

_FLOATS = [np.float64, np.float32]


def _descent_params() -> dict[str, list[Any]]:
    return {
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "fit_intercept": ["boolean"],
        "random_state": ["random_state"],
    }


def _train(estimator: Any, X: np.ndarray, target: np.ndarray, data_loss: Any, n_outputs: int,
           b0: np.ndarray, alpha: float | None = None, **options: Any) -> DescentResult:
    """Gradient descent with the estimator's hyperparameters, on X centred when fitting a bias;
    ``alpha`` (default the estimator's) is the weight of (1 / 2n) ||W||^2."""
    return gradient_descent(
        X, target, data_loss, n_outputs=n_outputs, b0=b0 if estimator.fit_intercept else None,
        alpha=estimator.alpha if alpha is None else alpha, solver=estimator.solver,
        learning_rate=estimator.learning_rate, max_iter=estimator.max_iter, tol=estimator.tol,
        batch_size=estimator.batch_size, rng=rng_from(estimator.random_state),
        name=type(estimator).__name__, **options,
    )


def _penalty_weights(penalty: str | None, alpha: float, l1_ratio: float, n: int) -> tuple[float, float]:
    """(a2, l1): the objective's penalty is (a2 / 2n) ||w||^2 + l1 ||w||_1, each penalty with
    the alpha of its scikit-learn estimator."""
    if penalty == "l2":
        return alpha, 0.0
    if penalty == "l1":
        return 0.0, alpha
    if penalty == "elasticnet":
        return n * alpha * (1 - l1_ratio), alpha * l1_ratio
    return 0.0, 0.0


class LinearRegression(MultiOutputMixin, RegressorMixin, Estimator):
    """Linear regression y_hat = x w + b: least squares and its alternatives (L2, L1 and
    elastic-net penalties; absolute and Huber losses).

    By default the parameters minimise

    .. math::

        E(w, b) = \\frac{1}{2n} \\sum_{i=1}^{n} (x_i w + b - y_i)^2
                  + \\frac{\\alpha}{2n} \\lVert w \\rVert^2,

    which is scikit-learn's ``Ridge(alpha)`` objective divided by 2n (so the same minimiser,
    and ``LinearRegression`` for alpha = 0). ``loss`` and ``penalty`` choose the other
    objectives; each is a scikit-learn estimator's (up to a constant factor), with its alpha:

    ============  ==============================================  ==========================
    term          in E (r_i = x_i w + b - y_i)                    scikit-learn
    ============  ==============================================  ==========================
    "squared"     (1/2n) sum r_i^2                                Ridge, Lasso, ElasticNet
    "absolute"    (1/2n) sum |r_i|                                QuantileRegressor(0.5)
    "huber"       (1/2n) sum [s + s H_eps(r_i / s)], s learned    HuberRegressor(epsilon)
    "l2"          (alpha / 2n) ||w||^2                            Ridge, HuberRegressor
    "l1"          alpha ||w||_1                                   Lasso, QuantileRegressor
    "elasticnet"  alpha rho ||w||_1 + alpha (1 - rho) / 2 ||w||^2  ElasticNet(alpha, rho)
    ============  ==============================================  ==========================

    with H_eps(u) = u^2 if |u| < eps else 2 eps |u| - eps^2 (quadratic for small residuals,
    linear for outliers) and rho = ``l1_ratio``. Mind that "l2" and "elasticnet" scale alpha
    differently, as Ridge and ElasticNet do. The L1 term is minimised by proximal gradient
    descent (ISTA: after each step, w <- sign(w) max(|w| - eta alpha, 0), so that weights
    reach exactly zero); the absolute loss, with a kink at r = 0, by the subgradient method
    (the step decays from eta to eta / 10^6 over the ``max_iter`` iterations; the best
    iterate is kept): on scaled data it needs a learning_rate near 1 and about 10^4
    iterations to reach QuantileRegressor's coefficients to 1e-3.

    Solvers:

    - ``"normal"``: (squared loss, penalty None or "l2") the normal equation
      theta = (X^T X)^{-1} X^T y, or with the penalty
      theta = (X^T X + alpha I)^{-1} X^T y. The inverse is never formed: with the thin
      SVD X = U S V^T, theta = V diag(s_j / (s_j^2 + alpha)) U^T y, which is stable and,
      for a rank-deficient X and alpha = 0, gives the least-squares solution of minimum norm
      (singular values below max(n, p) eps s_max count as zero). Cost O(n p^2 + p^3) time,
      O(n p) memory: the choice for a moderate number of features p.
    - ``"gd"``: full-batch gradient descent on glassnet's engine, one step per iteration,
      theta <- theta - learning_rate dE/dtheta, with dE/dtheta from ``loss.backward()``.
    - ``"sgd"``: mini-batch stochastic gradient descent, one epoch per iteration.

    The gradient solvers stop when the loss changes by less than ``tol`` in an iteration (the
    lectures' test) or after ``max_iter`` iterations (ConvergenceWarning). They start from
    w = 0 and, when fitting the intercept, work on centred inputs x - mean(x) with the bias
    starting at mean(y): the same minimiser (b = mean(y) - mean(x) w), better conditioned.
    They need features on similar scales: put a StandardScaler before the model.

    Parameters
    ----------
    solver : {"normal", "gd", "sgd"}, default "normal"
    learning_rate : float, default 0.01
        Step size eta of "gd" and "sgd".
    max_iter : int, default 1000
        Iterations ("gd") or epochs ("sgd").
    tol : float, default 1e-3
        Stop when the loss changes by less than this in an iteration.
    batch_size : int, default 32
        Samples per step of "sgd" (capped at the number of samples).
    alpha : float, default 0.0
        Penalty strength (for "l2", ridge regression's); the intercept is not penalised.
    fit_intercept : bool, default True
    random_state : int, RandomState or None
        Seeds the order of the mini-batches of "sgd".
    penalty : {"l2", "l1", "elasticnet"} or None, default "l2"
        The penalty on w (see the table); None ignores ``alpha``. With alpha = 0 (the
        default) no penalty applies.
    l1_ratio : float in [0, 1], default 0.5
        rho of "elasticnet".
    loss : {"squared", "absolute", "huber"}, default "squared"
        The data term (see the table); "absolute" and "huber" need solver "gd" or "sgd".
    epsilon : float > 1, default 1.35
        HuberRegressor's eps: residuals beyond eps times the learned scale count linearly.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    loss_curve_ : list of float
        E at each iteration (one value, at the solution, for "normal").
    n_iter_ : int
        Iterations run (1 for "normal": a single direct solve).
    converged_ : bool
        Whether the stopping rule was met ("normal": always True).
    rank_, singular_values_ : int, ndarray
        Rank and singular values of the (centred) X ("normal" only).
    scale_ : float or ndarray of shape (n_targets,)
        The learned scale s of the "huber" loss.
    n_features_in_, feature_names_in_

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> model = LinearRegression().fit(X, 2 * X[:, 0] + 1)
    >>> np.round(model.coef_, 6), round(float(model.intercept_), 6)
    (array([2.]), 1.0)

    The lasso sets a weight of a useless feature exactly to zero:

    >>> X = np.array([[-1.0, 0.3], [0.0, -0.5], [1.0, 0.1], [2.0, 0.1]])
    >>> lasso = LinearRegression(solver="gd", penalty="l1", alpha=0.1, learning_rate=0.5,
    ...                          max_iter=5000, tol=1e-12).fit(X, 2 * X[:, 0])
    >>> np.round(lasso.coef_, 4).tolist()
    [1.92, 0.0]
    """

    _parameter_constraints: dict = {
        "solver": [StrOptions({"normal", "gd", "sgd"})],
        "penalty": [StrOptions({"l2", "l1", "elasticnet"}), None],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "loss": [StrOptions({"squared", "absolute", "huber"})],
        "epsilon": [Interval(Real, 1, None, closed="left")],
        **_descent_params(),
    }

    def __init__(self, solver: str = "normal", learning_rate: float = 0.01, max_iter: int = 1000,
                 tol: float = 1e-3, batch_size: int = 32, alpha: float = 0.0,
                 fit_intercept: bool = True, random_state: Any = None, penalty: str | None = "l2",
                 l1_ratio: float = 0.5, loss: str = "squared", epsilon: float = 1.35) -> None:
        self.solver = solver
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol
        self.batch_size = batch_size
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.random_state = random_state
        self.penalty = penalty
        self.l1_ratio = l1_ratio
        self.loss = loss
        self.epsilon = epsilon

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any) -> LinearRegression:
        """Fit the model to X of shape (n_samples, n_features) and y of shape (n_samples,) or
        (n_samples, n_targets). Returns self."""
        self._check_solver()
        X, y = validate_data(self, X, y, dtype=_FLOATS, multi_output=True, y_numeric=True)
        Y = np.asarray(y, dtype=X.dtype).reshape(X.shape[0], -1)
        x_mean = X.mean(axis=0) if self.fit_intercept else np.zeros(X.shape[1], X.dtype)
        y_mean = Y.mean(axis=0) if self.fit_intercept else np.zeros(Y.shape[1], X.dtype)
        Xc = X - x_mean
        a2, l1 = _penalty_weights(self.penalty, self.alpha, self.l1_ratio, X.shape[0])
        if self.solver == "normal":
            W = self._solve_normal(Xc, Y - y_mean, a2)
            b = y_mean - x_mean @ W
        else:
            W, b = self._descend(Xc, Y, y_mean, a2, l1)
            b = b - x_mean @ W
        one_target = y.ndim == 1
        self.coef_ = W[:, 0].copy() if one_target else W.T.copy()
        self.intercept_ = float(b[0]) if one_target else b
        return self

    def _check_solver(self) -> None:
        closed_form = self.loss == "squared" and self.penalty in (None, "l2")
        if self.solver == "normal" and not closed_form:
            raise ValueError(
                f"LinearRegression: solver='normal' solves the squared loss with penalty None or 'l2' in "
                f"closed form; loss={self.loss!r} with penalty={self.penalty!r} needs solver='gd' or 'sgd'")

    def _descend(self, Xc: np.ndarray, Y: np.ndarray, y_mean: np.ndarray, a2: float,
                 l1: float) -> tuple[np.ndarray, np.ndarray]:
        """W and b (for the centred X) by gradient descent on the chosen loss and penalty."""
        data_loss: Any = {"squared": squared, "absolute": absolute}.get(self.loss)
        if self.loss == "huber":
            data_loss = ScaledHuber(self.epsilon, Xc.dtype, Y.shape[1])
        b0 = y_mean if self.loss == "squared" else np.median(Y, axis=0)
        result = _train(self, Xc, Y, data_loss, Y.shape[1], b0, alpha=a2, l1=l1,
                        subgradient=self.loss == "absolute")
        self.loss_curve_, self.n_iter_, self.converged_ = (
            result.loss_curve, result.n_iter, result.converged)
        if self.loss == "huber":
            sigma = data_loss.sigma.data
            self.scale_ = float(sigma[0]) if Y.shape[1] == 1 else sigma.copy()
        return result.W, result.b

    def _solve_normal(self, Xc: np.ndarray, Yc: np.ndarray, alpha: float) -> np.ndarray:
        """theta = V diag(s / (s^2 + alpha)) U^T y from the thin SVD of the centred X."""
        U, s, Vt = np.linalg.svd(Xc, full_matrices=False)
        cutoff = max(Xc.shape) * np.finfo(Xc.dtype).eps * (s[0] if s.size else 0.0)
        keep = s > cutoff
        filt = np.zeros_like(s)
        filt[keep] = s[keep] / (s[keep] ** 2 + alpha)
        W = Vt.T @ (filt[:, None] * (U.T @ Yc))
        residual = Xc @ W - Yc
        self.rank_, self.singular_values_ = int(keep.sum()), s
        self.loss_curve_ = [float((residual ** 2).sum() / (2 * Xc.shape[0])
                                  + alpha * (W ** 2).sum() / (2 * Xc.shape[0]))]
        self.n_iter_, self.converged_ = 1, True
        return W

    def predict(self, X: Any) -> np.ndarray:
        """y_hat = X w + b, of shape (n_samples,) or (n_samples, n_targets)."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=_FLOATS, reset=False)
        return X @ np.asarray(self.coef_).T + self.intercept_


class LogisticRegression(ClassifierMixin, Estimator):
    """Logistic (two classes) and softmax (more) regression: a one-layer network on the engine.

    The logits z = x W + b (W of shape (n_features, K)) give class probabilities
    p = sigmoid(z) = 1 / (1 + e^{-z}) for two classes (K = 1) and
    p_c = e^{z_c} / sum_k e^{z_k} (softmax) for K > 2. Training minimises the cross-entropy
    plus an L2 penalty by gradient descent,

    .. math::

        E(W, b) = -\\frac{1}{n} \\sum_{i=1}^{n} \\ln p_{i, y_i}
                  + \\frac{\\alpha}{2n} \\lVert W \\rVert_F^2,
        \\qquad \\frac{\\partial E}{\\partial z_i} = \\frac{p_i - \\mathrm{onehot}(y_i)}{n},

    computed from the logits in one fused, stable node (:class:`glassnet.losses.BinaryCrossEntropy`
    or :class:`glassnet.losses.CrossEntropy` with ``from_logits=True``). This is scikit-learn's
    ``LogisticRegression(C=1 / alpha)`` objective divided by n (alpha = 0: no penalty).

    Parameters
    ----------
    alpha : float, default 0.0
        L2 penalty strength; the intercept is not penalised.
    learning_rate : float, default 0.1
        Step size eta of gradient descent.
    max_iter : int, default 1000
        Iterations ("gd") or epochs ("sgd").
    tol : float, default 1e-4
        Stop when the loss changes by less than this in an iteration.
    threshold : float, default 0.5
        Two classes: ``predict`` answers ``classes_[1]`` when p > threshold.
    solver : {"gd", "sgd"}, default "gd"
        Full-batch gradient descent, or mini-batches of ``batch_size`` in random order.
    batch_size : int, default 32
    fit_intercept : bool, default True
    random_state : int, RandomState or None

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels, sorted; any type (strings too).
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    loss_curve_ : list of float
    n_iter_ : int
    converged_ : bool
    n_features_in_, feature_names_in_

    Examples
    --------
    >>> X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    >>> model = LogisticRegression().fit(X, ["no", "no", "yes", "yes"])
    >>> model.predict([[-3.0], [3.0]]).tolist()
    ['no', 'yes']
    """

    _parameter_constraints: dict = {
        "solver": [StrOptions({"gd", "sgd"})],
        "threshold": [Interval(Real, 0, 1, closed="neither")],
        **_descent_params(),
    }

    def __init__(self, alpha: float = 0.0, learning_rate: float = 0.1, max_iter: int = 1000,
                 tol: float = 1e-4, threshold: float = 0.5, solver: str = "gd",
                 batch_size: int = 32, fit_intercept: bool = True, random_state: Any = None) -> None:
        self.alpha = alpha
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol
        self.threshold = threshold
        self.solver = solver
        self.batch_size = batch_size
        self.fit_intercept = fit_intercept
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any) -> LogisticRegression:
        """Fit to X of shape (n_samples, n_features) and labels y of shape (n_samples,)."""
        X, y = validate_data(self, X, y, dtype=_FLOATS)
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        self.classes_ = encoder.classes_
        k = len(self.classes_)
        if k < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes; y holds 1 class "
                f"({self.classes_[0]!r}). Give samples of every class."
            )
        codes = encoder.transform(y)
        x_mean = X.mean(axis=0) if self.fit_intercept else np.zeros(X.shape[1], X.dtype)
        if k == 2:
            target = codes.astype(X.dtype).reshape(-1, 1)
            loss = BinaryCrossEntropy(from_logits=True)
        else:
            target, loss = codes, CrossEntropy(from_logits=True)
        n_outputs = 1 if k == 2 else k
        result = _train(self, X - x_mean, target, loss, n_outputs, np.zeros(n_outputs))
        self.coef_ = result.W.T.copy()
        self.intercept_ = result.b - x_mean @ result.W
        self.loss_curve_, self.n_iter_, self.converged_ = (
            result.loss_curve, result.n_iter, result.converged)
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        """The logits z = X W + b: shape (n_samples,) for two classes, else (n_samples, n_classes)."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=_FLOATS, reset=False)
        z = X @ self.coef_.T + self.intercept_
        return z[:, 0] if z.shape[1] == 1 else z

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes), columns in the order of ``classes_``."""
        z = self.decision_function(X)
        if z.ndim == 1:
            p = np.exp(-np.logaddexp(0.0, -z))
            return np.column_stack([1.0 - p, p])
        return _log_softmax(z, axis=1)[1]

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """ln of :meth:`predict_proba`, computed stably from the logits."""
        z = self.decision_function(X)
        if z.ndim == 1:
            return np.column_stack([-np.logaddexp(0.0, z), -np.logaddexp(0.0, -z)])
        return _log_softmax(z, axis=1)[0]

    def predict(self, X: Any) -> np.ndarray:
        """Labels: ``classes_[1]`` where p > threshold (two classes), else the arg-max class."""
        z = self.decision_function(X)
        if z.ndim == 1:
            p = np.exp(-np.logaddexp(0.0, -z))
            return self.classes_[(p > self.threshold).astype(np.intp)]
        return self.classes_[z.argmax(axis=1)]
