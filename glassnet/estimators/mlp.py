"""Multi-layer perceptrons as scikit-learn estimators: MLPClassifier and MLPRegressor.

Each estimator builds a :class:`glassnet.Sequential` of Dense layers (``model_``) and trains
it with glassnet's training loop, keeping scikit-learn's conventions: the same
hyperparameter names and defaults, the same objective (alpha included), the same stopping
rules, and the fitted attributes of ``sklearn.neural_network``.

The objective
-------------
Each step follows the gradient of the loss of one mini-batch B of n_B samples,

.. math::

    E_B = \\frac{1}{n_B} \\sum_{i \\in B} \\ell(\\hat y_i, y_i)
          + \\frac{\\alpha}{2 n_B} \\sum_l \\lVert W_l \\rVert_F^2
          + \\frac{l_1}{n_B} \\sum_l \\lVert W_l \\rVert_1

(biases are not penalised; with sample weights, sums and n_B are weighted). The loss l is
the cross-entropy of the softmax (several classes), of the sigmoid (two classes, or each
label of a multi-label target) or half the squared error summed over the outputs.

The alpha term is scikit-learn's: its ``_backprop`` adds ``0.5 * alpha * ||W||^2 / n_B`` to
each batch loss. glassnet adds it as every Dense layer's ``kernel_regularizer``, an
``L1L2(l1=l1 / b, l2=alpha / (2 b))`` computed in one node, b the batch size (times the mean
sample weight): alpha = 1e-4 with batches of 200 is ``L2(l2=2.5e-7)``. That is exactly
scikit-learn's term on every full batch; the one shorter batch at the end of an epoch
(n mod b samples) gets alpha / (2 b) where scikit-learn uses alpha / (2 n_last), a slightly
weaker pull on that step only. ``l1`` has no scikit-learn counterpart; it scales as alpha.

Stopping follows scikit-learn: after each epoch the loss of ``loss_curve_`` (or, with
``early_stopping``, the validation score) is compared with the best so far; more than
``n_iter_no_change`` epochs in a row without an improvement by ``tol`` end training (with
``learning_rate="adaptive"``: divide the rate by 5 first). Two differences: the count of
such epochs restarts with every ``fit`` call (scikit-learn carries it over between warm-start
fits), and warm-start fits and ``partial_fit`` calls continue the estimator's random
generator, so each call sees new batch orders (scikit-learn restarts from ``random_state`` on
every call and, for an int, repeats the same orders).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.metrics import accuracy_score
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import (
    _check_partial_fit_first_call,
    check_classification_targets,
    type_of_target,
    unique_labels,
)
from sklearn.utils.validation import column_or_1d, validate_data

from glassnet.estimators._mlp_base import BaseMLP, stochastic_solver
from glassnet.estimators._mlp_training import Output
from glassnet.estimators.mlp_regressor import MLPRegressor
from glassnet.losses import BinaryCrossEntropy, CrossEntropy

__all__ = ["MLPClassifier", "MLPRegressor"]


class MLPClassifier(ClassifierMixin, BaseMLP):
    """Multi-layer perceptron classifier trained on glassnet's engine.

    The network is ``Dense(h_1, activation) -> ... -> Dense(h_L, activation) -> output``:
    one sigmoid unit for two classes, a softmax over K units for K > 2 classes, and K sigmoid
    units for multi-label targets (an indicator matrix). The loss is the cross-entropy,
    computed from the logits in one fused node, with the penalties of the module docstring.
    For multi-label targets glassnet's binary cross-entropy averages over the K labels where
    scikit-learn sums them: the objective minimised is scikit-learn's divided by K (the
    penalties are scaled to keep the same minimiser) and ``loss_curve_`` reports it times K,
    scikit-learn's value. Adaptive solvers take the same steps; "sgd" and "gd" steps are K
    times shorter.

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default (100,)
        Units of each hidden layer.
    activation : str, default "relu"
        Activation of the hidden layers, any name of :mod:`glassnet.activations` ("relu",
        "tanh", "logistic", "elu", "gelu", ...).
    solver : {"adam", "sgd", "lbfgs", "adamw", "momentum", "nesterov", "adagrad", "rmsprop", "gd"}
        scikit-learn's three with their meaning: "adam" (``beta_1``, ``beta_2``, ``epsilon``),
        "sgd" (mini-batch gradient descent with ``momentum`` and ``nesterovs_momentum``) and
        "lbfgs" (``scipy.optimize.minimize`` on the whole training set; no ``partial_fit``,
        no dropout or batch normalization; ``early_stopping`` and ``batch_size`` do not apply).
        glassnet's others: "momentum" and "nesterov" are "sgd" with ``momentum`` without / with
        Nesterov's look-ahead; "adagrad", "rmsprop" and "adamw" are :mod:`glassnet.optim`'s
        (torch's defaults); "gd" is plain gradient descent with one step per epoch on the whole
        training set.
    alpha : float, default 1e-4
        L2 penalty, scikit-learn's convention (module docstring).
    l1 : float, default 0
        L1 penalty, scaled as alpha.
    dropout : float in [0, 1), default 0
        Dropout rate after every hidden layer (training only).
    batch_norm : bool, default False
        Batch normalization between each hidden Dense layer and its activation.
    batch_size : int or "auto", default "auto"
        Samples per step; "auto" is min(200, n_samples). Ignored by "gd".
    learning_rate : {"constant", "invscaling", "adaptive"} or callable, default "constant"
        As scikit-learn, for the gradient-descent solvers ("sgd", "momentum", "nesterov",
        "gd"): "invscaling": eta = learning_rate_init / (t + 1)^power_t after each epoch, t the
        samples seen; "adaptive": divide eta by 5 when the stopping rule fires, stop once eta
        <= 1e-6. "adam" and the other adaptive solvers keep learning_rate_init, as in
        scikit-learn. glassnet's own: a callable ``schedule(epoch) -> eta`` (epochs counted
        from 0 over all fits, e.g. :class:`glassnet.schedules.CosineDecay`), for every
        stochastic solver.
    learning_rate_init : float, default 1e-3
    power_t : float, default 0.5
    max_iter : int, default 200
        Epochs at most (one per ``partial_fit`` call); "lbfgs": iterations at most.
    shuffle : bool, default True
        Visit the samples in a new random order every epoch.
    random_state : int, RandomState or None
        Seeds the weights, the batches, dropout and the validation split.
    tol : float, default 1e-4
        "lbfgs": stop once the largest gradient component is at most ``tol`` (scipy's gtol).
    n_iter_no_change : int, default 10
        Stop when, more than ``n_iter_no_change`` epochs in a row, the training loss did not
        fall below its best minus ``tol`` (with ``early_stopping``: the validation score did
        not rise above its best plus ``tol``).
    momentum : float in [0, 1), default 0.9
        Of "sgd", "momentum" and "nesterov", as scikit-learn's velocity v <- mu v - eta g
        (the same steps as torch's buffer while eta is constant; kept equal to
        scikit-learn's when ``learning_rate`` changes eta).
    nesterovs_momentum : bool, default True
        "sgd" with Nesterov's momentum.
    beta_1, beta_2 : float in [0, 1), default 0.9, 0.999
        Decay rates of Adam's running means of the gradient and of its square.
    epsilon : float, default 1e-8
        Adam's epsilon, added to sqrt(v) before the bias correction as in scikit-learn
        ("adamw" is torch's, which adds it after).
    max_fun : int, default 15000
        "lbfgs": evaluations of the loss at most.
    early_stopping : bool, default False
        Hold out ``validation_fraction`` of the data (stratified), score it after every epoch
        (accuracy) and end with the weights of the best epoch.
    validation_fraction : float, default 0.1
    warm_start : bool, default False
        ``fit`` continues from the previous weights (with a new optimizer).
    verbose : bool, default False
        Print the loss (and validation score) of every epoch.
    dtype : {float32, float64} or None, default None
        Type of the weights and of the computation. None: the dtype of X, as in scikit-learn
        (float32 stays float32; float64 and other inputs compute in float64); later fits
        and predictions convert X to the fitted network's dtype.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    model_ : glassnet.Sequential
        The trained network; ``model_.predict(X)`` gives the probabilities.
    coefs_, intercepts_ : list of ndarray
        W (inputs, units) and b (units,) of each Dense layer.
    loss_curve_ : list of float
        The objective (data loss plus penalties) averaged over each epoch, scikit-learn's value
        ("lbfgs", which scikit-learn gives no curve: the objective after each iteration).
    loss_ : float
        The last value of ``loss_curve_``.
    best_loss_ : float or None
        Lowest value of ``loss_curve_`` (None with early stopping).
    validation_scores_ : list of float or None
    best_validation_score_ : float or None
    n_iter_ : int
        Epochs run by the last call ("lbfgs": iterations).
    t_ : int
        Training samples seen over all calls (0 for "lbfgs", as in scikit-learn).
    out_activation_ : str
        "softmax", "logistic" (the sigmoid) or "identity", scikit-learn's names.
    n_outputs_, n_layers_, n_features_in_, feature_names_in_

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> X, y = load_iris(return_X_y=True)
    >>> net = make_pipeline(StandardScaler(), MLPClassifier((16,), learning_rate_init=0.02,
    ...                                                    batch_size=16, random_state=0))
    >>> net.fit(X, y).predict_proba(X[:2]).shape
    (2, 3)
    """

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPClassifier:
        """Train on X (n_samples, n_features) and labels y (or an indicator matrix). Returns self."""
        return self._fit(X, y, sample_weight, incremental=False)

    @available_if(stochastic_solver)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None,
                    classes: Any = None) -> MLPClassifier:
        """One epoch over (X, y), continuing the optimizer's state. ``classes`` (every label
        that will ever occur) is needed on the first call."""
        if _check_partial_fit_first_call(self, classes):
            kind = type_of_target(y)
            self._y_type = kind if kind.startswith("multilabel") else type_of_target(self.classes_)
        return self._fit(X, y, sample_weight, incremental=True)

    def _validate_input(self, X: Any, y: Any, incremental: bool,
                        reset: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        X, y = validate_data(self, X, y, multi_output=True, dtype=self._input_dtype(reset), reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._y_type = type_of_target(y)
            self.classes_ = unique_labels(y)
        else:
            self._check_known_classes(unique_labels(y), incremental)
        if self._y_type == "multiclass-multioutput":
            raise ValueError(f"{type(self).__name__} takes one label per sample or a multi-label "
                             "indicator matrix of 0s and 1s; y holds several multi-class columns")
        if self._y_type != "multilabel-indicator" and len(self.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes; y holds 1 class "
                f"({self.classes_[0]!r}). Give samples of every class.")
        if self._y_type == "multiclass":
            return X, np.searchsorted(self.classes_, y), y
        if self._y_type == "binary":
            return X, (y == self.classes_[1]).astype(X.dtype).reshape(-1, 1), y
        return X, y.astype(X.dtype), y

    def _check_known_classes(self, classes: np.ndarray, incremental: bool) -> None:
        if not incremental and set(classes) != set(self.classes_):
            raise ValueError(
                "warm_start can only be used where `y` has the same classes as in the previous "
                f"call to fit. Previously got {self.classes_}, `y` has {classes}")
        unknown = np.setdiff1d(classes, self.classes_)
        if unknown.size:
            raise ValueError(f"`y` has classes not in `self.classes_`. `self.classes_` has "
                             f"{self.classes_}. 'y' has {classes}.")

    def _output(self, target: np.ndarray) -> Output:
        k = len(self.classes_)
        if self._y_type == "multiclass":
            return Output(k, "softmax", CrossEntropy())
        if self._y_type == "binary":
            return Output(1, "sigmoid", BinaryCrossEntropy())
        return Output(k, "sigmoid", BinaryCrossEntropy(), data_scale=k, penalty_scale=k)

    def _stratify(self) -> bool:
        return self._y_type != "multilabel-indicator"

    def _predict_validated(self, X: np.ndarray) -> np.ndarray:
        return self._outputs(X)

    def _val_score(self, X: np.ndarray, y: np.ndarray, sample_weight: Any) -> float:
        return float(accuracy_score(y, self._labels(self._outputs(X)), sample_weight=sample_weight))

    def _labels(self, p: np.ndarray) -> np.ndarray:
        """Probabilities -> labels: the arg-max class, or each label with p > 0.5."""
        if self._y_type == "multiclass":
            return self.classes_[p.argmax(axis=1)]
        if self._y_type == "binary":
            return self.classes_[(p[:, 0] > 0.5).astype(np.intp)]
        return (p > 0.5).astype(np.int64)

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each sample (multi-label: each label with p > 0.5)."""
        return self._labels(self._forward(X))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes), columns in the order of ``classes_``
        (multi-label: the probability of each label)."""
        p = self._forward(X)
        if self.n_outputs_ == 1:
            return np.column_stack([1.0 - p[:, 0], p[:, 0]])
        return p

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """ln of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))
