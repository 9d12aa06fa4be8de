"""Rosenblatt's perceptron as a scikit-learn classifier."""

from __future__ import annotations

import warnings
from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from glassnet.estimators._base import Estimator, rng_from

__all__ = ["Perceptron"]

_CHUNK = 64
#: The input dtypes the perceptron computes in; other inputs are converted to the first.
_FLOATS = [np.float64, np.float32]


class Perceptron(ClassifierMixin, Estimator):
    """Rosenblatt's perceptron: a threshold unit trained by updating on mistakes only.

    The output is 1 if and only if the weighted sum exceeds the threshold,

    .. math::

        \\hat y = \\begin{cases} 1 & \\text{if } w \\cdot x + b > 0 \\\\ 0 & \\text{otherwise}
        \\end{cases}

    (the bias b is minus the threshold). Training visits the samples one by one, in a fresh
    random order each epoch when ``shuffle``, and applies the perceptron rule

    .. math::

        w \\leftarrow w + \\eta (y - \\hat y) x, \\qquad b \\leftarrow b + \\eta (y - \\hat y),

    which changes nothing when the prediction is right. It stops after an epoch without a
    mistake (``converged_`` is True): on linearly separable data that happens after finitely
    many updates (the perceptron convergence theorem). On data that is not linearly
    separable (XOR) it stops at ``max_iter`` epochs with a ConvergenceWarning.

    The two labels may be of any type: ``classes_[1]`` (the larger, sorted) is output 1 and
    ``classes_[0]`` output 0, so {0, 1} and {-1, +1} keep their usual meaning.

    With K > 2 classes it trains K units one-vs-rest, as scikit-learn's Perceptron: unit c
    learns output 1 for class c and 0 for every other class, by the same rule on its own
    (all units visit the samples in the same order; each stops after an epoch without a
    mistake), so unit c is exactly the two-class perceptron fitted to ``y == classes_[c]``.
    ``predict`` answers the class whose unit has the largest weighted sum.

    Multi-output perceptron: given a 0/1 indicator matrix y of shape (n_samples, K) (each
    sample may belong to several of K labels, scikit-learn's multilabel format, as for its
    ``MLPClassifier``), K step units are trained at once, one per column, each sample
    updating every unit that got it wrong,

    .. math::

        W \\leftarrow W + \\eta (y - \\hat y)^T x, \\qquad b \\leftarrow b + \\eta (y - \\hat y),

    until an epoch without a mistake; ``predict`` returns the K outputs, an indicator matrix.
    The target's shape chooses the model, as everywhere in scikit-learn (no flag can
    contradict the data): a 1-D y of K classes is one-vs-rest, a 2-D y is K outputs.

    The computation runs in the dtype of X: float32 stays float32, other inputs become
    float64.

    Parameters
    ----------
    learning_rate : float, default 1.0
        eta. Starting from w = 0, b = 0, it only scales the weights and never changes
        the predictions.
    max_iter : int, default 100
        Epochs at most.
    shuffle : bool, default True
        Visit the samples in a new random order each epoch.
    random_state : int, RandomState or None
        Seeds the order.
    fit_intercept : bool, default True
        Learn b; otherwise b = 0.
    eta0 : float or None, default None
        scikit-learn's name for ``learning_rate``; when given, it is the step size.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_classes, n_features)
        The weights w; for K > 2 classes (or K outputs) one row per unit. (scikit-learn's
        has shape (1, n_features) for two classes: here the lectures' vector w.)
    intercept_ : float or ndarray of shape (n_classes,)
        The bias b (minus the threshold); for K > 2 classes (or K outputs) one per unit.
    classes_ : ndarray of shape (n_classes,)
        The labels; for a multi-output y, the output indices 0 ... K - 1 (as MLPClassifier).
    n_iter_ : int
        Epochs run (by the unit that ran longest).
    converged_ : bool
        Whether every unit's last epoch made no mistake.
    n_features_in_, feature_names_in_

    Examples
    --------
    The lectures' festival example: weights (6, 2, 2) and threshold 5.

    >>> unit = Perceptron.from_weights([6, 2, 2], -5)
    >>> unit.decision_function([[0, 1, 1], [1, 0, 0]]) + 5   # the weighted sums
    array([4., 6.])
    >>> unit.predict([[0, 1, 1], [1, 0, 0]]).tolist()
    [0, 1]

    Two step units at once, learning AND and OR:

    >>> X = [[0, 0], [0, 1], [1, 0], [1, 1]]
    >>> Y = [[0, 0], [0, 1], [0, 1], [1, 1]]
    >>> Perceptron(shuffle=False).fit(X, Y).predict(X).tolist()
    [[0, 0], [0, 1], [0, 1], [1, 1]]
    """

    _parameter_constraints: dict = {
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "fit_intercept": ["boolean"],
        "eta0": [Interval(Real, 0, None, closed="neither"), None],
    }

    def __init__(self, learning_rate: float = 1.0, max_iter: int = 100, shuffle: bool = True,
                 random_state: Any = None, fit_intercept: bool = True, eta0: float | None = None) -> None:
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.fit_intercept = fit_intercept
        self.eta0 = eta0

    @classmethod
    def from_weights(cls, w: Any, b: float = 0.0, classes: Any = (0, 1), **params: Any) -> Perceptron:
        """A ready-to-predict perceptron with given weights w and bias b (= -threshold).

        Parameters
        ----------
        w : array_like of shape (n_features,)
        b : float, default 0.0
        classes : sequence of two labels, default (0, 1)
            The labels of output 0 and output 1.
        **params
            Hyperparameters, as for the constructor.
        """
        coef = np.asarray(w, dtype=np.float64).reshape(-1)
        labels = np.asarray(classes)
        if labels.shape != (2,) or labels[0] == labels[1]:
            raise ValueError(f"classes must be two different labels, got {classes!r}")
        if not (np.isfinite(coef).all() and np.isfinite(b)):
            raise ValueError(f"w and b must be finite, got w={coef.tolist()}, b={b!r}")
        unit = cls(**params)
        unit.coef_, unit.intercept_, unit.classes_ = coef, float(b), labels
        unit.n_features_in_ = coef.shape[0]
        return unit

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any) -> Perceptron:
        """Run the perceptron rule on X (n_samples, n_features) and labels y: one unit for two
        classes, one unit per class (one-vs-rest) for more, one unit per column of a 0/1
        indicator matrix y of shape (n_samples, K) (multi-output)."""
        X, y = validate_data(self, X, y, dtype=_FLOATS, multi_output=True)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if y.ndim == 2:
            return self._fit_outputs(X, y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        k = len(self.classes_)
        if k < 2:
            raise ValueError(
                f"The Perceptron needs samples of at least two classes; y holds 1 class "
                f"{self.classes_.tolist()}. Give samples of every class.")
        self.n_outputs_ = 1
        targets = codes[:, None] if k == 2 else (codes[:, None] == np.arange(k)).astype(np.intp)
        W, b = self._train(X, targets, self._step_size())
        if k == 2:
            self.coef_, self.intercept_ = W[0], float(b[0])
        else:
            self.coef_, self.intercept_ = W, b
        return self

    def _fit_outputs(self, X: np.ndarray, Y: np.ndarray) -> Perceptron:
        """K step units, one per column of the 0/1 indicator matrix Y, trained at once."""
        if type_of_target(Y) != "multilabel-indicator":
            raise ValueError(
                "Perceptron: a 2-D y is a multi-output target and must hold 0 and 1 only (one column "
                f"per output); got values {np.unique(Y)[:10].tolist()}. Give a 1-D y of labels for one "
                "output of several classes")
        self.classes_ = np.arange(Y.shape[1])
        self.coef_, self.intercept_ = self._train(X, np.asarray(Y, dtype=np.intp), self._step_size())
        self.n_outputs_ = Y.shape[1]
        return self

    def _train(self, X: np.ndarray, targets: np.ndarray, eta: float) -> tuple[np.ndarray, np.ndarray]:
        """The rule for each column of ``targets`` (0/1 outputs of one unit each), all units
        visiting the samples in the same order; a unit stops after an epoch without a mistake."""
        rng = rng_from(self.random_state)
        units = targets.shape[1]
        W, b = np.zeros((units, X.shape[1]), dtype=X.dtype), np.zeros(units, dtype=X.dtype)
        learning = np.ones(units, dtype=bool)
        for epoch in range(1, self.max_iter + 1):
            order = rng.permutation(len(X)) if self.shuffle else np.arange(len(X))
            X_epoch = X[order]
            for j in np.flatnonzero(learning):
                W[j], b[j], mistakes = self._epoch(X_epoch, targets[order, j], W[j], float(b[j]), eta)
                learning[j] = mistakes > 0
            self.n_iter_ = epoch
            if not learning.any():
                break
        self.converged_ = not learning.any()
        if not self.converged_:
            warnings.warn(
                f"Perceptron made mistakes in every one of max_iter={self.max_iter} epochs: the "
                "data may not be linearly separable (or needs more epochs).",
                ConvergenceWarning, stacklevel=4,
            )
        return W, b

    def _step_size(self) -> float:
        """eta: ``learning_rate``, or scikit-learn's ``eta0`` when given."""
        if self.eta0 is None:
            return self.learning_rate
        if self.learning_rate not in (1.0, self.eta0):
            raise ValueError(f"Perceptron got learning_rate={self.learning_rate!r} and "
                             f"eta0={self.eta0!r}, two names of one step size; give one of them")
        return self.eta0

    def _epoch(self, X: np.ndarray, t: np.ndarray, w: np.ndarray, b: float,
               eta: float) -> tuple[np.ndarray, float, int]:
        """One pass of the rule over the samples in order; returns w, b and the mistake count.

        The rule is sequential (each update changes the predictions of the samples after it),
        so the loop runs once per mistake: the samples up to the next mistake are checked in one
        vectorised product over a chunk, as the weights do not change in between.
        """
        mistakes, start, n = 0, 0, len(X)
        while start < n:
            stop = min(start + _CHUNK, n)
            out = (X[start:stop] @ w + b > 0).astype(np.intp)
            wrong = np.flatnonzero(out != t[start:stop])
            if wrong.size == 0:
                start = stop
                continue
            i = start + wrong[0]
            step = eta * (t[i] - out[wrong[0]])
            w = w + step * X[i]
            if self.fit_intercept:
                b += step
            mistakes += 1
            start = i + 1
        return w, b, mistakes

    def decision_function(self, X: Any) -> np.ndarray:
        """The weighted sums w . x + b: shape (n_samples,) for two classes (positive means
        ``classes_[1]``), else (n_samples, n_classes), one column per class's unit."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=_FLOATS, reset=False)
        return X @ self.coef_.T + self.intercept_

    def predict(self, X: Any) -> np.ndarray:
        """Two classes: ``classes_[1]`` where w . x + b > 0, else ``classes_[0]``. More: the class
        whose unit has the largest weighted sum (the first one on a tie). Multi-output: the K
        step outputs, an indicator matrix of shape (n_samples, K)."""
        z = self.decision_function(X)
        if getattr(self, "n_outputs_", 1) > 1:
            return (z > 0).astype(np.intp)
        if z.ndim == 1:
            return self.classes_[(z > 0).astype(np.intp)]
        return self.classes_[z.argmax(axis=1)]
