"""MLPRegressor: the multi-layer perceptron for regression (see :mod:`glassnet.estimators.mlp`)."""

from __future__ import annotations

from numbers import Integral
from typing import Any

import numpy as np
from sklearn.base import MultiOutputMixin, RegressorMixin, _fit_context
from sklearn.metrics import r2_score
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import column_or_1d, validate_data

from glassnet._checks import check_flag
from glassnet.estimators import _mlp_uncertainty as _uncertainty
from glassnet.estimators._mlp_base import BaseMLP, stochastic_solver
from glassnet.estimators._mlp_training import Output
from glassnet.estimators._poisson import HalfPoissonDeviance
from glassnet.layers.heads import check_level
from glassnet.losses import MSE, GaussianNLL
from glassnet.uncertainty._draws import normal_interval

__all__ = ["MLPRegressor"]


class MLPRegressor(MultiOutputMixin, RegressorMixin, BaseMLP):
    """Multi-layer perceptron regressor trained on glassnet's engine.

    The network is ``Dense(h_1, activation) -> ... -> Dense(n_outputs)`` (identity output),
    trained on half the squared error summed over the outputs,
    l = (1/2) ||y_hat - y||^2, with the penalties of :mod:`glassnet.estimators.mlp`:
    scikit-learn's gradient exactly. ``loss_curve_`` reports scikit-learn's value, in which
    (for several outputs) the squared error is averaged over the outputs rather than summed.

    With ``loss="poisson"`` the network's output z is the logarithm of the prediction
    mu = e^z (scikit-learn's "exp" output activation, applied by ``predict``; ``model_``
    gives z) and the loss is half the Poisson deviance summed over the outputs,
    l = sum_j (y_j ln(y_j / mu_j) - y_j + mu_j), for targets y >= 0 (counts, rates).

    Parameters
    ----------
    loss : {"squared_error", "poisson"}, default "squared_error"
        (A keyword here; scikit-learn also takes it as its first positional argument.)
    hidden_layer_sizes, activation, solver, alpha, l1, dropout, batch_norm, batch_size, \
learning_rate, learning_rate_init, power_t, max_iter, shuffle, random_state, tol, \
n_iter_no_change, early_stopping, validation_fraction, warm_start, verbose, momentum, \
nesterovs_momentum, beta_1, beta_2, epsilon, max_fun, dtype
        As for :class:`MLPClassifier`; ``early_stopping`` scores the held-out part (not
        stratified) with R^2.
    uncertainty : {None, "ensemble", "mc_dropout", "gaussian"}, default None
        What ``predict(X, return_std=True)`` and ``predict_interval`` report:

        - ``"ensemble"``: ``n_members`` networks trained from their own seeds (spawned
          from ``random_state``); the prediction is their mean, the std their spread
          (epistemic). ``model_`` and ``coefs_`` are the first network's.
        - ``"mc_dropout"``: ``n_samples`` passes with dropout kept on (needs
          ``dropout > 0``); the prediction is their mean, the std their spread.
        - ``"gaussian"``: the output layer is a :class:`~glassnet.layers.GaussianHead`
          trained with the Gaussian negative log-likelihood (``loss_curve_`` holds it); the
          std is the predicted noise (aleatoric).
        - None: no std; ``predict`` is the network's output.

        Predictions with uncertainty warn (:class:`~glassnet.io.ExtrapolationWarning`) for
        inputs outside each column's training range.
    n_members : int >= 2, default 5
        Networks of ``uncertainty="ensemble"``.
    n_samples : int >= 2, default 50
        Dropout passes of ``uncertainty="mc_dropout"``.

    Attributes
    ----------
    model_ : glassnet.Sequential
        The trained network (the first of an ensemble).
    members_ : list of MLPRegressor
        The ensemble's other networks (``uncertainty="ensemble"``), else empty.
    training_ranges_ : ndarray of shape (2, n_features) or None
        Each column's [min, max] in training, with an ``uncertainty``.
    coefs_, intercepts_, loss_curve_, loss_, best_loss_, validation_scores_, \
best_validation_score_, n_iter_, t_, n_outputs_, n_layers_, out_activation_, n_features_in_, \
feature_names_in_
        As for :class:`MLPClassifier`.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> X, y = load_diabetes(return_X_y=True)
    >>> net = make_pipeline(StandardScaler(), MLPRegressor((32,), learning_rate_init=0.1,
    ...                                                   batch_size=32, random_state=0))
    >>> net.fit(X, y).predict(X[:3]).shape
    (3,)
    """

    _parameter_constraints: dict = {
        **BaseMLP._parameter_constraints,
        "loss": [StrOptions({"squared_error", "poisson"})],
        "uncertainty": [StrOptions(set(_uncertainty.METHODS)), None],
        "n_members": [Interval(Integral, 2, None, closed="left")],
        "n_samples": [Interval(Integral, 2, None, closed="left")],
    }

    def __init__(self, hidden_layer_sizes: Any = (100,), activation: str = "relu",
                 solver: str = "adam", alpha: float = 0.0001, l1: float = 0.0, dropout: float = 0.0,
                 batch_norm: bool = False, batch_size: int | str = "auto",
                 learning_rate: Any = "constant", learning_rate_init: float = 0.001,
                 power_t: float = 0.5, max_iter: int = 200, shuffle: bool = True,
                 random_state: Any = None, tol: float = 1e-4, verbose: bool = False,
                 warm_start: bool = False, momentum: float = 0.9, nesterovs_momentum: bool = True,
                 early_stopping: bool = False, validation_fraction: float = 0.1,
                 beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-8,
                 n_iter_no_change: int = 10, max_fun: int = 15000, dtype: Any = None,
                 loss: str = "squared_error", uncertainty: str | None = None, n_members: int = 5,
                 n_samples: int = 50) -> None:
        super().__init__(
            hidden_layer_sizes, activation, solver, alpha, l1, dropout, batch_norm, batch_size,
            learning_rate, learning_rate_init, power_t, max_iter, shuffle, random_state, tol,
            verbose, warm_start, momentum, nesterovs_momentum, early_stopping,
            validation_fraction, beta_1, beta_2, epsilon, n_iter_no_change, max_fun, dtype)
        self.loss = loss
        self.uncertainty = uncertainty
        self.n_members = n_members
        self.n_samples = n_samples

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPRegressor:
        """Train on X (n_samples, n_features) and y (n_samples,) or (n_samples, n_outputs)."""
        return self._fit_with_uncertainty(X, y, sample_weight, incremental=False)

    @available_if(stochastic_solver)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPRegressor:
        """One epoch over (X, y), continuing the optimizer's state."""
        return self._fit_with_uncertainty(X, y, sample_weight, incremental=True)

    def _fit_with_uncertainty(self, X: Any, y: Any, sample_weight: Any, incremental: bool) -> MLPRegressor:
        """Train the network (partial_fit's one epoch when ``incremental``), then what
        the ``uncertainty`` method needs beyond it (the ensemble's other networks)."""
        _uncertainty.check_options(self)
        self._fit(X, y, sample_weight, incremental=incremental)
        _uncertainty.fit_members(self, X, y, sample_weight, incremental=incremental)
        return self

    def _validate_input(self, X: Any, y: Any, incremental: bool,
                        reset: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True,
                             dtype=self._input_dtype(reset), reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if self.loss == "poisson" and np.any(y < 0):
            raise ValueError(f"loss='poisson' needs targets y >= 0 (counts or rates); y holds "
                             f"{int(np.sum(y < 0))} negative value(s), the smallest {np.min(y)!r}. "
                             "Use loss='squared_error' for such targets.")
        return X, y.reshape(y.shape[0], -1).astype(X.dtype), y

    def _output(self, target: np.ndarray) -> Output:
        k = target.shape[1]
        if self.loss == "poisson":
            return Output(k, "identity", HalfPoissonDeviance(scale=k))
        if self.uncertainty == "gaussian":
            return Output(k, "gaussian", GaussianNLL())
        return Output(k, "identity", MSE(scale=k / 2), data_scale=1 / k)

    def _initialize(self, n_features: int, hidden: list[int], output: Output, dtype: np.dtype) -> None:
        super()._initialize(n_features, hidden, output, dtype)
        if self.loss == "poisson":
            self.out_activation_ = "exp"
        if output.activation == "gaussian":
            self.out_activation_ = "identity"  # the mean; the head's variance goes through softplus

    def _describe(self, hidden: list[int], n_outputs: int, dtype: np.dtype) -> dict[str, Any]:
        gaussian = self.uncertainty == "gaussian"
        return {**super()._describe(hidden, n_outputs, dtype), "output": "gaussian" if gaussian else "values"}

    def _predict_validated(self, X: np.ndarray) -> np.ndarray:
        out = self._outputs(X)
        if self._architecture["output"] == "gaussian":
            out = out[:, :self.n_outputs_]  # the means; the variances follow
        if self.out_activation_ == "exp":
            out = np.exp(out)
        return out[:, 0] if self.n_outputs_ == 1 else out

    def _val_score(self, X: np.ndarray, y: np.ndarray, sample_weight: Any) -> float:
        pred = self._predict_validated(X)
        if not np.isfinite(pred).all():
            return float("nan")
        return float(r2_score(y, pred, sample_weight=sample_weight))

    def predict(self, X: Any, return_std: bool = False, return_cov: bool = False) -> Any:
        """Predictions, shape (n_samples,) or (n_samples, n_outputs), as float64.

        With an ``uncertainty``, the mean of its method; ``return_std=True`` gives
        ``(mean, std)`` (scikit-learn's ``GaussianProcessRegressor`` convention).
        ``return_cov=True`` (a covariance between the samples, as that estimator's) is refused:
        the methods here give each prediction its own std.
        """
        return_std = check_flag("return_std", return_std)
        if check_flag("return_cov", return_cov):
            raise ValueError("predict: MLPRegressor gives each prediction its own std, not a covariance "
                             "between samples (GaussianProcessRegressor's return_cov); use return_std=True")
        if not return_std and _uncertainty.fitted_method(self) is None:
            return self._forward(X)
        mean, std = _uncertainty.summary(self, self._validated(X), "predict")
        return (mean, std) if return_std else mean

    def predict_interval(self, X: Any, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
        """``(lower, upper)``: the central ``level`` interval of a normal distribution with the
        predicted mean and std (needs an ``uncertainty``; for a coverage guarantee use
        :func:`glassnet.uncertainty.conformal_interval` or MAPIE)."""
        level = check_level("predict_interval", level)
        return normal_interval(*_uncertainty.summary(self, self._validated(X), "predict_interval"), level)
