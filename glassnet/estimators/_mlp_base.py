"""What MLPClassifier and MLPRegressor share: hyperparameters, fit, partial_fit, the weights."""

from __future__ import annotations

import warnings
from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from glassnet import activations
from glassnet._checks import can_stratify
from glassnet.errors import NonFiniteError
from glassnet.estimators._base import Estimator, rng_from
from glassnet.estimators._lbfgs import GradientOnly, fit_lbfgs
from glassnet.estimators._mlp_solvers import SOLVERS, make_optimizer
from glassnet.estimators._mlp_training import (
    EpochMonitor,
    NonFiniteStop,
    Output,
    Penalty,
    build_network,
    hidden_sizes,
)

__all__ = ["BaseMLP", "stochastic_solver"]

#: The input dtypes the estimators compute in; other inputs are converted to the first.
_FLOATS = [np.float64, np.float32]

#: scikit-learn's names of output activations, for ``out_activation_``.
_SKLEARN_NAMES = {"sigmoid": "logistic"}


def stochastic_solver(estimator: BaseMLP) -> bool:
    """True for a stochastic solver; an AttributeError for "lbfgs", which has no ``partial_fit``
    (as in scikit-learn, ``hasattr(estimator, "partial_fit")`` is then False)."""
    if estimator.solver == "lbfgs":
        raise AttributeError("partial_fit is only available for the stochastic solvers; "
                             "solver='lbfgs' fits the whole training set at once: call fit")
    return True


class BaseMLP(Estimator):
    """The hyperparameters and the training shared by the MLP estimators (see MLPClassifier).

    Subclasses define ``_validate_input(X, y, incremental, reset)`` -> (X, loss target, y),
    ``_output(target)`` -> :class:`Output`, ``_val_score`` and
    ``_predict_validated``.
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(activations.names()))],
        "solver": [StrOptions(set(SOLVERS))],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1": [Interval(Real, 0, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "batch_norm": ["boolean"],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"}), callable],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "nesterovs_momentum": ["boolean"],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), Options(Real, {np.inf})],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "dtype": [StrOptions({"float32", "float64"}), Options(type, {np.float32, np.float64}), None],
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
                 n_iter_no_change: int = 10, max_fun: int = 15000, dtype: Any = None) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.l1 = l1
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.dtype = dtype

    # ------------------------------------------------------------------ weights
    @property
    def coefs_(self) -> list[np.ndarray]:
        """The weight matrices W of the Dense layers, shape (inputs, units): the network's own
        arrays (changing them changes the predictions)."""
        check_is_fitted(self)
        return [layer.W.data for layer in self._dense_layers()]

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """The bias vectors b of the Dense layers, shape (units,)."""
        check_is_fitted(self)
        return [layer.b.data for layer in self._dense_layers()]

    def _dense_layers(self) -> list[Any]:
        return [layer for layer in self.model_.layers if hasattr(layer, "units")]

    # ---------------------------------------------------------------- training
    def _fit(self, X: Any, y: Any, sample_weight: Any, incremental: bool) -> BaseMLP:
        hidden = hidden_sizes(self.hidden_layer_sizes)
        self._check_options(incremental)
        first = not hasattr(self, "model_") or (not self.warm_start and not incremental)
        X, target, y = self._validate_input(X, y, incremental, reset=first)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=X.dtype,
                                                 ensure_non_negative=True)
        output = self._output(target)
        architecture = self._describe(hidden, output.units, X.dtype)
        if first:
            self._initialize(X.shape[1], hidden, output, X.dtype)
        elif self._architecture != architecture:
            raise ValueError(
                f"{'partial_fit' if incremental else 'warm_start=True'} continues the network of "
                f"the previous fit, {self._architecture}, but the data and hyperparameters now ask "
                f"for {architecture}; call fit with warm_start=False to start afresh")
        if self.solver == "lbfgs":
            fit_lbfgs(self, X, target, sample_weight, output)
            return self
        if not incremental or not self.model_.compiled or isinstance(self.model_.optimizer, GradientOnly):
            self.model_.compile(optimizer=make_optimizer(self), loss=output.loss)
            self._lr = self.learning_rate_init
            self._no_improvement_count = 0
        self._train(X, target, y, sample_weight, output, incremental)
        return self

    def _check_options(self, incremental: bool) -> None:
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        if self.solver == "lbfgs" and (self.dropout or self.batch_norm):
            raise ValueError(
                f"solver='lbfgs' minimises one deterministic function of the weights, which "
                f"dropout={self.dropout!r} and batch_norm={self.batch_norm!r} make random or "
                "dependent on the batch; use dropout=0 and batch_norm=False with 'lbfgs', or a "
                "stochastic solver ('adam', 'sgd', ...) with them")

    def _input_dtype(self, reset: bool) -> Any:
        """The dtype X is converted to: ``dtype`` when given, else the fitted network's for a
        continued fit or a prediction, else X's own (float64 or float32; others -> float64)."""
        if self.dtype is not None:
            return np.dtype(self.dtype)
        if not reset and hasattr(self, "model_"):
            return self.model_.dtype
        return _FLOATS

    def _describe(self, hidden: list[int], n_outputs: int, dtype: np.dtype) -> dict[str, Any]:
        return {"hidden_layer_sizes": hidden, "activation": self.activation,
                "dropout": self.dropout, "batch_norm": self.batch_norm,
                "dtype": np.dtype(dtype).name, "n_outputs": n_outputs}

    def _initialize(self, n_features: int, hidden: list[int], output: Output, dtype: np.dtype) -> None:
        self._rng = rng_from(self.random_state)
        self._penalty = Penalty()
        self.model_ = build_network(
            n_features, hidden, output.units, activation=self.activation,
            out_activation=output.activation, dropout=self.dropout, batch_norm=self.batch_norm,
            penalty=self._penalty, dtype=np.dtype(dtype), seed=int(self._rng.integers(2**32 - 1)))
        self._architecture = self._describe(hidden, output.units, dtype)
        self.n_outputs_, self.n_layers_ = output.units, len(hidden) + 2
        self.out_activation_ = _SKLEARN_NAMES.get(output.activation, output.activation)
        self.n_iter_, self.t_ = 0, 0
        self.loss_curve_: list[float] = []
        self._best_state = self.model_.state_dict()
        if self.early_stopping and self.solver != "lbfgs":
            self.validation_scores_: list[float] | None = []
            self.best_validation_score_: float | None = -np.inf
            self.best_loss_: float | None = None
        else:
            self.validation_scores_ = self.best_validation_score_ = None
            self.best_loss_ = np.inf

    def _split(self, X: np.ndarray, target: np.ndarray, y: Any, sample_weight: Any) -> tuple[Any, ...]:
        """Training part (X, target, weights) and validation part (X, y, weights)."""
        if not self.early_stopping:
            return X, target, sample_weight, None
        n_val = int(np.ceil(self.validation_fraction * len(y)))
        stratify = y if self._stratify() and can_stratify(y, n_val) else None
        parts = train_test_split(X, target, y, *([] if sample_weight is None else [sample_weight]),
                                 random_state=int(self._rng.integers(2**32 - 1)),
                                 test_size=self.validation_fraction, stratify=stratify)
        if parts[1].shape[0] < 2:
            raise ValueError("The validation set is too small. Increase 'validation_fraction' or "
                             "the size of your dataset.")
        weights = (None, None) if sample_weight is None else (parts[6], parts[7])
        return parts[0], parts[2], weights[0], (parts[1], parts[5], weights[1])

    def _stratify(self) -> bool:
        return False

    def _batch(self, n: int) -> int:
        if self.solver == "gd":
            return n
        if self.batch_size == "auto":
            return min(200, n)
        if self.batch_size > n:
            warnings.warn(f"batch_size={self.batch_size} is larger than the {n} training samples; "
                          f"it is clipped to {n}.", UserWarning, stacklevel=6)
        return min(self.batch_size, n)

    def _train(self, X: np.ndarray, target: np.ndarray, y: Any, sample_weight: Any,
               output: Output, incremental: bool) -> None:
        X_train, t_train, w_train, val = self._split(X, target, y, sample_weight)
        if val is not None and self.validation_scores_ is None:    # early_stopping turned on
            self.validation_scores_, self.best_validation_score_ = [], -np.inf
        n = X_train.shape[0]
        batch = self._batch(n)
        mean_weight = 1.0 if w_train is None else float(np.mean(w_train))
        self._penalty.scale(self.alpha, self.l1, batch * mean_weight * output.penalty_scale)
        validation = None if val is None else (lambda: self._val_score(*val))
        monitor, guard = EpochMonitor(self, n, output, validation), NonFiniteStop()
        self.n_iter_ = 0
        self.model_.fit(X_train, t_train, epochs=1 if incremental else self.max_iter,
                        batch_size=batch, shuffle=self.shuffle and batch < n,
                        callbacks=[monitor, guard], verbose=0, sample_weight=w_train,
                        seed=int(self._rng.integers(2**32 - 1)))
        if guard.diverged:
            raise NonFiniteError(
                f"{type(self).__name__}: the loss became NaN or inf at iteration {self.n_iter_}; "
                f"learning_rate_init={self.learning_rate_init} is too large for this data or the "
                "inputs are badly scaled. Lower it, or scale X first (for example "
                "Pipeline([('scale', StandardScaler()), ('net', ...)])).")
        if self.early_stopping:
            self.model_.load_state_dict(self._best_state)
        if not incremental and not monitor.stopped and self.n_iter_ == self.max_iter:
            warnings.warn(f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and "
                          "the optimization hasn't converged yet.", ConvergenceWarning, stacklevel=5)

    # -------------------------------------------------------------- prediction
    def _forward(self, X: Any) -> np.ndarray:
        """The network's outputs for X after scikit-learn's checks (features, NaN, dtype)."""
        return self._predict_validated(self._validated(X))

    def _validated(self, X: Any) -> np.ndarray:
        """X after scikit-learn's checks for a prediction (fitted, features, NaN, dtype)."""
        check_is_fitted(self)
        return validate_data(self, X, dtype=self._input_dtype(reset=False), reset=False)

    def _outputs(self, X: np.ndarray) -> np.ndarray:
        """The network's outputs (probabilities, or values) for validated X, as float64."""
        return np.asarray(self.model_.predict(X), dtype=np.float64)
